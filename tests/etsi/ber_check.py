#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Independent check of lime's ETSI TS 102 232 PS-PDUs.

Usage: ber_check.py DIR

DIR contains <case>.ber files and cases.json as written by etsi_samples. This
script decodes every PDU with its own BER reader, written from the tag
tables of TS 102 232-1 and -5 (it shares no code with lib/etsi), and
compares each field with the value the case records as encoded. It prints
"PASS etsi <case>" or "FAIL etsi <case>: <reason>" per case, then
"N passed, N failed", and exits with 1 when a case failed.
"""

import json
import os
import sys

UNIVERSAL, CONTEXT = 0x00, 0x80


class BerError(Exception):
    """Malformed or unexpected BER."""


class Tlv:
    """One decoded identifier-length-value triple."""

    def __init__(self, cls, constructed, tag, value, offset):
        self.cls = cls
        self.constructed = constructed
        self.tag = tag
        self.value = value
        self.offset = offset
        self.children = None

    def __repr__(self):
        return f"Tlv(cls={self.cls:#x}, tag={self.tag}, off={self.offset})"


def read_tlv(data, pos, end):
    """Read one TLV at pos with DER-style definite minimal lengths; return
    it and the position of its value."""
    start = pos
    if pos >= end:
        raise BerError(f"missing identifier at {pos}")
    first = data[pos]
    pos += 1
    cls = first & 0xC0
    constructed = bool(first & 0x20)
    tag = first & 0x1F
    if tag == 0x1F:
        tag = 0
        count = 0
        while True:
            if pos >= end:
                raise BerError(f"truncated tag at {start}")
            octet = data[pos]
            pos += 1
            if count == 0 and octet == 0x80:
                raise BerError(f"padded tag at {start}")
            tag = (tag << 7) | (octet & 0x7F)
            count += 1
            if not octet & 0x80:
                break
        if tag < 31:
            raise BerError(f"high-tag form for tag {tag} at {start}")
    if pos >= end:
        raise BerError(f"missing length at {start}")
    octet = data[pos]
    pos += 1
    if octet == 0x80:
        raise BerError(f"indefinite length at {start}")
    if octet < 0x80:
        length = octet
    else:
        count = octet & 0x7F
        if pos + count > end:
            raise BerError(f"truncated length at {start}")
        raw = data[pos:pos + count]
        pos += count
        if raw[0] == 0:
            raise BerError(f"length with a leading zero octet at {start}")
        length = int.from_bytes(raw, "big")
        if length < 0x80:
            raise BerError(f"long-form length below 128 at {start}")
    if pos + length > end:
        raise BerError(f"value past the end at {start}")
    return Tlv(cls, constructed, tag, data[pos:pos + length], start), pos


def parse_all(data, base=0):
    """Parse a whole value into a list of TLVs, recursing into
    constructed ones."""
    items = []
    pos = 0
    while pos < len(data):
        tlv, value_start = read_tlv(data, pos, len(data))
        tlv.offset += base
        if tlv.constructed:
            tlv.children = parse_all(tlv.value, base + value_start)
        items.append(tlv)
        pos = value_start + len(tlv.value)
    return items


def fields(tlv, name):
    """Map the context-tagged fields of a SEQUENCE, in increasing tag
    order, to their TLVs."""
    out = {}
    last = -1
    for child in tlv.children:
        if child.cls != CONTEXT:
            raise BerError(f"{name}: field at {child.offset} not "
                           "context-tagged")
        if child.tag <= last:
            raise BerError(f"{name}: field [{child.tag}] out of order")
        last = child.tag
        out[child.tag] = child
    return out


def only_child(tlv, name):
    """The single element inside an explicit tag or SEQUENCE OF."""
    if not tlv.constructed or len(tlv.children) != 1:
        raise BerError(f"{name}: expected exactly one element")
    return tlv.children[0]


def integer(tlv, name):
    """Decode a minimal two's complement INTEGER or ENUMERATED."""
    raw = tlv.value
    if tlv.constructed or not raw:
        raise BerError(f"{name}: empty or constructed INTEGER")
    if len(raw) > 1 and ((raw[0] == 0 and raw[1] < 0x80) or
                         (raw[0] == 0xFF and raw[1] >= 0x80)):
        raise BerError(f"{name}: non-minimal INTEGER")
    return int.from_bytes(raw, "big", signed=True)


def oid_text(tlv, relative):
    """Decode OBJECT IDENTIFIER or RELATIVE-OID content to dotted text."""
    arcs = []
    value = 0
    fresh = True
    for octet in tlv.value:
        if fresh and octet == 0x80:
            raise BerError("OID subidentifier with a padding octet")
        value = (value << 7) | (octet & 0x7F)
        fresh = not octet & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    if not fresh or not arcs:
        raise BerError("OID ends inside a subidentifier")
    if not relative:
        first = arcs.pop(0)
        top = min(first // 40, 2)
        arcs = [top, first - 40 * top] + arcs
    return ".".join(str(a) for a in arcs)


def text(tlv):
    return tlv.value.decode("ascii")


def expect(errors, name, got, want):
    if got != want:
        errors.append(f"{name} is {got!r}, expected {want!r}")


def check_header(header, case, errors):
    """PSHeader [1]: tags from TS 102 232-1 (PSHeader, CommunicationIdentifier,
    NetworkIdentifier, MicroSecondTimeStamp)."""
    f = fields(header, "PSHeader")
    expect(errors, "li-psDomainId", oid_text(f[0], False), case["domain_id"])
    expect(errors, "LIID", text(f[1]), case["liid"])
    expect(errors, "authorizationCountryCode",
           text(f[2]) if 2 in f else "", case["auth_cc"])
    comm = fields(f[3], "communicationIdentifier")
    net = fields(comm[0], "networkIdentifier")
    expect(errors, "operatorIdentifier", text(net[0]), case["operator"])
    expect(errors, "networkElementIdentifier",
           text(net[1]) if 1 in net else "", case["network_element"])
    expect(errors, "CIN", integer(comm[1], "CIN"), case["cin"])
    expect(errors, "deliveryCountryCode",
           text(comm[2]) if 2 in comm else "", case["deliv_cc"])
    expect(errors, "sequenceNumber", integer(f[4], "sequenceNumber"),
           case["seq"])
    ts = fields(f[7], "microSecondTimeStamp")
    expect(errors, "seconds", integer(ts[0], "seconds"), case["seconds"])
    expect(errors, "microSeconds", integer(ts[1], "microSeconds"),
           case["microseconds"])
    expect(errors, "timeStampQualifier", integer(f[8], "qualifier"), 1)
    expect(errors, "PSHeader fields", sorted(f),
           [t for t in (0, 1, 2, 3, 4, 7, 8) if t != 2 or case["auth_cc"]])


def ip_address(tlv):
    """IPAddress: iP-type [1], iP-value [2] explicit { iPBinaryAddress [1] },
    iP-assignment [3]."""
    f = fields(tlv, "IPAddress")
    binary = only_child(f[2], "iP-value")
    if binary.cls != CONTEXT or binary.tag != 1:
        raise BerError("iP-value is not iPBinaryAddress [1]")
    kind = integer(f[1], "iP-type")
    want_len = 4 if kind == 0 else 16
    if len(binary.value) != want_len:
        raise BerError("iP-value length does not match iP-type")
    if integer(f[3], "iP-assignment") != 3:
        raise BerError("iP-assignment is not notKnown(3)")
    return binary.value.hex()


def check_iri(payload, case, errors, alarm):
    """iRIPayloadSequence [0] → IRIPayload → iRIContents [2] → iPMMIRI [11]
    (TS 102 232-5)."""
    seq = only_child(payload, "iRIPayloadSequence")
    if seq.cls != UNIVERSAL or seq.tag != 16:
        raise BerError("IRIPayload is not a SEQUENCE")
    f = fields(seq, "IRIPayload")
    expect(errors, "iRIType", integer(f[0], "iRIType"), case["iri_type"])
    ipmmiri = only_child(f[2], "iRIContents")
    expect(errors, "iRIContents choice", (ipmmiri.cls, ipmmiri.tag),
           (CONTEXT, 11))
    m = fields(ipmmiri, "iPMMIRI")
    expect(errors, "iPMMIRIObjId", oid_text(m[0], True), case["objid"])
    contents = only_child(m[1], "iPMMIRIContents")
    if alarm:
        check_alarm(contents, case, errors)
        return
    expect(errors, "iPMMIRIContents choice", contents.tag, 1)
    s = fields(contents, "sIPMessage")
    expect(errors, "source address", ip_address(s[0]), case["src"])
    expect(errors, "destination address", ip_address(s[1]), case["dst"])
    expect(errors, "sIPContent", s[2].value.hex(), case["sip"])


def check_alarm(contents, case, errors):
    """nationalIPMMIRIParameters [3]: countryCode [1], then lime's alarm
    fields [100] kind, [101] reason, [102] Call-ID, [103] capture time."""
    expect(errors, "iPMMIRIContents choice", contents.tag, 3)
    f = fields(contents, "nationalIPMMIRIParameters")
    expect(errors, "countryCode", text(f[1]), case["country"])
    expect(errors, "alarmKind", f[100].value.decode(), case["alarm_kind"])
    expect(errors, "alarmReason", f[101].value.decode(), case["alarm_reason"])
    expect(errors, "sipCallID", f[102].value.hex() if 102 in f else "",
           case["call_id"])
    ts = fields(f[103], "captureTime")
    expect(errors, "captureTime seconds", integer(ts[0], "seconds"),
           case["alarm_seconds"])
    expect(errors, "captureTime microSeconds",
           integer(ts[1], "microSeconds"), case["alarm_microseconds"])


def check_cc(payload, case, errors):
    """cCPayloadSequence [1] → CCPayload → cCContents [2] → iPMMCC [12]."""
    seq = only_child(payload, "cCPayloadSequence")
    if seq.cls != UNIVERSAL or seq.tag != 16:
        raise BerError("CCPayload is not a SEQUENCE")
    f = fields(seq, "CCPayload")
    expect(errors, "payloadDirection", integer(f[0], "payloadDirection"),
           case["direction"])
    ipmmcc = only_child(f[2], "cCContents")
    expect(errors, "cCContents choice", (ipmmcc.cls, ipmmcc.tag),
           (CONTEXT, 12))
    m = fields(ipmmcc, "iPMMCC")
    expect(errors, "iPMMCCObjId", oid_text(m[0], True), case["objid"])
    expect(errors, "mMCCContents", m[1].value.hex(), case["content"])
    expect(errors, "frameType", integer(m[2], "frameType"), 0)
    expect(errors, "mMCCprotocol", integer(m[4], "mMCCprotocol"), 0)


def check_tri(payload, case, errors):
    """tRIPayload [2]: keep-alive [3] NULL, keep-aliveResponse [4] NULL."""
    tri = only_child(payload, "tRIPayload")
    want = 3 if case["kind"] == "keepalive" else 4
    expect(errors, "TRIPayload choice", tri.tag, want)
    expect(errors, "TRIPayload NULL length", len(tri.value), 0)


def check_case(directory, case):
    with open(os.path.join(directory, case["name"] + ".ber"), "rb") as f:
        data = f.read()
    top = parse_all(data)
    if len(top) != 1 or top[0].cls != UNIVERSAL or top[0].tag != 16:
        raise BerError("input is not exactly one SEQUENCE")
    pdu = top[0]
    if len(pdu.children) != 2:
        raise BerError("PS-PDU does not have exactly two fields")
    header, payload = pdu.children
    if (header.cls, header.tag, payload.cls, payload.tag) != \
            (CONTEXT, 1, CONTEXT, 2):
        raise BerError("PS-PDU fields are not [1] and [2]")

    errors = []
    check_header(header, case, errors)
    choice = only_child(payload, "payload")
    kind = case["kind"]
    want_choice = {"iri": 0, "alarm": 0, "cc": 1,
                   "keepalive": 2, "keepalive_response": 2}[kind]
    if choice.tag != want_choice:
        raise BerError(f"payload choice [{choice.tag}], expected "
                       f"[{want_choice}]")
    if kind in ("iri", "alarm"):
        check_iri(choice, case, errors, kind == "alarm")
    elif kind == "cc":
        check_cc(choice, case, errors)
    else:
        check_tri(choice, case, errors)
    return errors


def main():
    if len(sys.argv) != 2:
        print("usage: ber_check.py DIR", file=sys.stderr)
        return 2
    directory = sys.argv[1]
    with open(os.path.join(directory, "cases.json")) as f:
        cases = json.load(f)
    passed = failed = 0
    for case in cases:
        try:
            errors = check_case(directory, case)
        except (BerError, KeyError, UnicodeDecodeError, OSError) as exc:
            errors = [f"{type(exc).__name__}: {exc}"]
        if errors:
            failed += 1
            print(f"FAIL etsi {case['name']}: {'; '.join(errors)}")
        else:
            passed += 1
            print(f"PASS etsi {case['name']}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

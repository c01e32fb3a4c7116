#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Test client of lime-lemf: encodes ETSI TS 102 232 PS-PDUs with its own
BER encoder (independent of lib/etsi) and runs one scenario per call.

Usage: lemf_client.py SCENARIO HOST HI2_PORT HI3_PORT

Each scenario prints "ok" and exits 0, or prints the failed check and exits 1.
The byte layout follows the PS-PDU, IPMMIRI, IPMMCC and TRIPayload encodings
that OpenLI emits, and lime's alarm IRI-REPORT as lib/etsi/etsi.h describes.
"""

import socket
import struct
import sys
import time

DOMAIN_ID = (0, 4, 0, 2, 2, 5, 1, 17)
IPMM_IRI = bytes([5, 5, 6, 1])
IPMM_CC = bytes([5, 5, 6, 2])
IRI_TYPES = {"BEGIN": 1, "END": 2, "CONTINUE": 3, "REPORT": 4}
SIP_INVITE = (b"INVITE sip:bob@example.org SIP/2.0\r\n"
              b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
              b"Call-ID: a84b4c76e66710@pc33.example.org\r\n"
              b"Subject: \"quoted\" \\ back\tslash\r\n"
              b"Content-Length: 0\r\n\r\n")


def length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, content):
    """tag: the identifier octets as an int below 256 or as bytes."""
    ident = bytes([tag]) if isinstance(tag, int) else tag
    return ident + length(len(content)) + content


def integer(tag, value):
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return tlv(tag, body)


def oid(arcs):
    subs = [arcs[0] * 40 + arcs[1]] + list(arcs[2:])
    out = b""
    for s in subs:
        chunk = [s & 0x7F]
        s >>= 7
        while s:
            chunk.insert(0, 0x80 | (s & 0x7F))
            s >>= 7
        out += bytes(chunk)
    return out


def ps_header(liid, cin, seq, sec, usec):
    network_id = tlv(0xA0, tlv(0x80, b"lime-test"))
    comm_id = tlv(0xA3, network_id + integer(0x81, cin) + tlv(0x82, b"NL"))
    ts = tlv(0xA7, integer(0x80, sec) + integer(0x81, usec))
    return tlv(0xA1, tlv(0x80, oid(DOMAIN_ID)) + tlv(0x81, liid) +
               tlv(0x82, b"NL") + comm_id + integer(0x84, seq) + ts +
               tlv(0x88, b"\x01"))


def pdu(header, payload):
    return tlv(0x30, header + tlv(0xA2, payload))


def keepalive(seq):
    return pdu(ps_header(b"openli-1", 0, seq, 1700000000, 0),
               tlv(0xA2, tlv(0x83, b"")))


def ip_address(tag, addr):
    v6 = len(addr) == 16
    body = integer(0x81, 1 if v6 else 0) + tlv(0xA2, tlv(0x81, addr)) + integer(0x83, 3)
    if not v6:
        body += tlv(0x85, b"\xff\xff\xff\xff")
    return tlv(tag, body)


def iri(liid, cin, seq, iri_type, sip=SIP_INVITE, sec=1700000001, usec=123456,
        src=bytes([192, 0, 2, 1]), dst=bytes([198, 51, 100, 2])):
    sip_message = tlv(0xA1, ip_address(0xA0, src) + ip_address(0xA1, dst) + tlv(0x82, sip))
    ipmmiri = tlv(0xAB, tlv(0x80, IPMM_IRI) + tlv(0xA1, sip_message))
    payload = tlv(0x30, integer(0x80, IRI_TYPES[iri_type]) + tlv(0xA2, ipmmiri))
    return pdu(ps_header(liid, cin, seq, sec, usec), tlv(0xA0, payload))


def alarm(liid, cin, seq, kind, reason, call_id):
    params = tlv(0x81, b"NL") + tlv(b"\x9f\x64", kind) + tlv(b"\x9f\x65", reason)
    if call_id:
        # sipCallID is omitted when there is no Call-ID.
        params += tlv(b"\x9f\x66", call_id)
    params += tlv(b"\xbf\x67", integer(0x80, 1700000002) + integer(0x81, 5))
    ipmmiri = tlv(0xAB, tlv(0x80, IPMM_IRI) + tlv(0xA1, tlv(0xA3, params)))
    payload = tlv(0x30, integer(0x80, IRI_TYPES["REPORT"]) + tlv(0xA2, ipmmiri))
    return pdu(ps_header(liid, cin, seq, 1700000002, 7), tlv(0xA0, payload))


def cc(liid, cin, seq, packet, direction=0, sec=1700000003, usec=250000):
    ipmmcc = tlv(0xAC, tlv(0x80, IPMM_CC) + tlv(0x81, packet) +
                 integer(0x82, 0) + integer(0x84, 0))
    payload = tlv(0x30, integer(0x80, direction) + tlv(0xA2, ipmmcc))
    return pdu(ps_header(liid, cin, seq, sec, usec), tlv(0xA1, payload))


def rtp(pt, seq, ssrc, payload):
    return struct.pack("!BBHII", 0x80, pt, seq, seq * 160, ssrc) + payload


def udp_ipv4(payload, sport=40000, dport=40002):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                      bytes([192, 0, 2, 1]), bytes([198, 51, 100, 2]))
    return hdr + udp


def udp_ipv6(payload, sport=40000, dport=40002):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    hdr = struct.pack("!IHBB16s16s", 0x60000000, len(udp), 17, 64,
                      socket.inet_pton(socket.AF_INET6, "2001:db8::1"),
                      socket.inet_pton(socket.AF_INET6, "2001:db8::2"))
    return hdr + udp


def samples(n, start):
    return bytes((start + i) & 0xFF for i in range(n))


def read_tlv_header(buf, off):
    tag = buf[off]
    off += 1
    n = buf[off]
    off += 1
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[off:off + k], "big")
        off += k
    return tag, n, off


def pdu_length(buf):
    """Returns the total length of the PDU at the start of buf, or None when
    its header is incomplete."""
    if len(buf) < 2:
        return None
    n = buf[1]
    if n < 0x80:
        return 2 + n
    k = n & 0x7F
    if len(buf) < 2 + k:
        return None
    return 2 + k + int.from_bytes(buf[2:2 + k], "big")


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rx = b""

    def send(self, data):
        self.sock.sendall(data)

    def send_bytewise(self, data):
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])
            time.sleep(0.0005)

    def read_pdu(self):
        while True:
            whole = pdu_length(self.rx)
            if whole is not None and len(self.rx) >= whole:
                p, self.rx = self.rx[:whole], self.rx[whole:]
                return p
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed by lime-lemf")
            self.rx += chunk

    def keepalive_roundtrip(self, seq):
        """Sends a keep-alive, returns the sequence number of the response
        and its TRIPayload bytes. Every PDU sent before is processed by then."""
        self.send(keepalive(seq))
        return parse_response(self.read_pdu())

    def expect_closed(self):
        """Returns True when lime-lemf closes the connection within 5 s."""
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def parse_response(p):
    """Returns (sequenceNumber, payload bytes) of a PS-PDU."""
    tag, n, off = read_tlv_header(p, 0)
    assert tag == 0x30, "outer tag %02x" % tag
    tag, n, off = read_tlv_header(p, off)
    assert tag == 0xA1, "PSHeader tag %02x" % tag
    hdr_end = off + n
    seq = None
    while off < hdr_end:
        tag, n, body = read_tlv_header(p, off)
        if tag == 0x84:
            seq = int.from_bytes(p[body:body + n], "big")
        off = body + n
    return seq, p[hdr_end:]


def check(cond, message):
    if not cond:
        print(message)
        sys.exit(1)


KEEPALIVE_RESPONSE_PAYLOAD = bytes.fromhex("a204a2028400")


def scenario_keepalive(host, hi2, hi3):
    for port in (hi2, hi3):
        c = Conn(host, port)
        for seq in (0, 7, 300, 4294967295):
            got, payload = c.keepalive_roundtrip(seq)
            check(got == seq, "keep-alive %d on port %d answered with sequence number %r" % (seq, port, got))
            check(payload == KEEPALIVE_RESPONSE_PAYLOAD,
                  "keep-alive response payload is %s" % payload.hex())


def scenario_iri(host, hi2, hi3):
    c = Conn(host, hi2)
    c.send(iri(b"LIID-A", 5, 0, "BEGIN") + iri(b"LIID-A", 5, 1, "CONTINUE",
           src=socket.inet_pton(socket.AF_INET6, "2001:db8::1"),
           dst=socket.inet_pton(socket.AF_INET6, "2001:db8::2")))
    c.send(iri(b"LIID-A", 5, 2, "END", sip=b"BYE sip:bob@example.org SIP/2.0\r\n\xff\r\n\r\n"))
    c.send(alarm(b"LIID-A", 5, 3, b"mikey_auth_failed", b"MAC mismatch", b"call-1@example.org"))
    c.keepalive_roundtrip(1)


def scenario_cc(host, hi2, hi3):
    c = Conn(host, hi3)
    seq = 0
    for i in range(5):
        c.send(cc(b"LIID-A", 5, seq, udp_ipv4(rtp(0, i, 0x11223344, samples(160, i))), 0,
                  usec=i * 20000))
        seq += 1
    for i in range(3):
        c.send(cc(b"LIID-A", 5, seq, udp_ipv6(rtp(8, i, 0xAABBCCDD, samples(80, i))), 1))
        seq += 1
    # RTCP and a non-G.711 payload type go to cc.pcap only.
    c.send(cc(b"LIID-A", 5, seq, udp_ipv4(bytes([0x80, 0xC8]) + bytes(26)), 0))
    seq += 1
    c.send(cc(b"LIID-A", 5, seq, udp_ipv4(rtp(101, 9, 0x11223344, bytes(4))), 0))
    c.keepalive_roundtrip(2)


def scenario_split(host, hi2, hi3):
    c = Conn(host, hi2)
    data = (iri(b"LIID-SPLIT", 1, 0, "BEGIN") + keepalive(11) +
            alarm(b"LIID-SPLIT", 1, 1, b"key_unavailable", b"", b""))
    c.send_bytewise(data)
    seq, _ = parse_response(c.read_pdu())
    check(seq == 11, "split keep-alive answered with %r" % seq)
    c.keepalive_roundtrip(12)
    d = Conn(host, hi3)
    d.send_bytewise(cc(b"LIID-SPLIT", 1, 0, udp_ipv4(rtp(8, 0, 0x01020304, samples(40, 0)))) +
                    keepalive(13))
    seq, _ = parse_response(d.read_pdu())
    check(seq == 13, "split keep-alive on HI3 answered with %r" % seq)


def scenario_garbage(host, hi2, hi3):
    good = Conn(host, hi2)
    good.keepalive_roundtrip(20)
    bad = Conn(host, hi2)
    bad.send(b"GET / HTTP/1.0\r\n\r\n")
    check(bad.expect_closed(), "connection with garbage bytes was not closed")
    # A valid PDU followed by one with a broken inner length.
    bad2 = Conn(host, hi3)
    broken = bytearray(keepalive(3))
    broken[3] ^= 0x01
    bad2.send(keepalive(2) + bytes(broken))
    bad2.read_pdu()
    check(bad2.expect_closed(), "connection with an invalid PDU was not closed")
    big = Conn(host, hi3)
    big.send(bytes([0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF]))
    check(big.expect_closed(), "connection declaring a PDU above --max-pdu was not closed")
    got, _ = good.keepalive_roundtrip(21)
    check(got == 21, "other connection stopped working after garbage")


def scenario_truncated(host, hi2, hi3):
    c = Conn(host, hi3)
    p = cc(b"LIID-TRUNC", 1, 0, udp_ipv4(rtp(0, 0, 1, samples(160, 0))))
    c.send(p[:len(p) // 2])
    time.sleep(0.1)
    c.sock.close()
    c = Conn(host, hi2)
    c.send(iri(b"LIID-TRUNC", 1, 0, "REPORT")[:10])
    c.sock.close()
    time.sleep(0.1)
    d = Conn(host, hi2)
    got, _ = d.keepalive_roundtrip(30)
    check(got == 30, "no keep-alive response after truncated records")


def scenario_sequence(host, hi2, hi3):
    c = Conn(host, hi2)
    for s in (0, 1, 3, 3, 2, 1):
        c.send(iri(b"LIID-SEQ", 9, s, "CONTINUE"))
    c.send(iri(b"LIID-SEQ", 10, 0, "BEGIN"))
    c.keepalive_roundtrip(40)
    d = Conn(host, hi3)
    for s in (0, 0, 1, 5):
        d.send(cc(b"LIID-SEQ", 9, s, udp_ipv4(bytes(12))))
    d.keepalive_roundtrip(41)


SCENARIOS = {
    "keepalive": scenario_keepalive,
    "iri": scenario_iri,
    "cc": scenario_cc,
    "split": scenario_split,
    "garbage": scenario_garbage,
    "truncated": scenario_truncated,
    "sequence": scenario_sequence,
}


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in SCENARIOS:
        print("usage: lemf_client.py {%s} HOST HI2_PORT HI3_PORT" % ",".join(SCENARIOS))
        return 2
    try:
        SCENARIOS[sys.argv[1]](sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    except (OSError, EOFError, AssertionError) as e:
        print("%s: %s" % (type(e).__name__, e))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

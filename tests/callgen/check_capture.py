#!/usr/bin/python3
"""Check a lime-callgen capture against its ground truth.

Usage: check_capture.py NAME CAPTURE.pcap TRUTH.json [--keys KEYS.jsonl]
                        [--decoded DECODED.tsv] [--mikey-out MESSAGES.tsv]

Prints "PASS callgen NAME CHECK" or "FAIL callgen NAME CHECK: REASON" for
each check and exits 1 when one failed:

  frames        every frame is Ethernet with IPv4 or IPv6, in time order,
                and the truth summary counts them and the file bytes
  checksums     IPv4 header, UDP and TCP checksums are valid; IP fragments
                are checked after reassembly
  tcp           every SIP connection has a three-way handshake, contiguous
                sequence numbers in both directions, ACKs that match, and a
                FIN from each side
  sip           every SIP message over UDP and TCP parses: start line,
                Via, From, To, Call-ID, CSeq, Content-Length equal to the
                body length
  calls         every call of the truth has its INVITE, 200 OK, ACK, BYE
                and 200 OK; forged INVITEs have a 488
  sdp           offers and answers have m=audio with the truth's port;
                SDES calls have a=crypto with the suite and a key of its
                length, MIKEY calls a=key-mgmt:mikey, plain calls neither
  media         RTP and RTCP packets per stream match the truth
  keys          key_sha256 of the truth is the SHA-256 of the key file's key
  decoded       what srtp_decode decrypted matches the truth: packets,
                sequence numbers, plaintext hash, RTCP, and no failure

With --mikey-out it also writes, per MIKEY call, the captured
TRANSFER_INIT and TRANSFER_RESP for tests/callgen/mikey_li_check.

Needs scapy (Debian: python3-scapy).
"""

import argparse
import base64
import collections
import hashlib
import json
import os
import re
import sys

from scapy.all import IP, TCP, UDP, Ether, IPv6, IPv6ExtHdrFragment, PcapReader, raw
from scapy.layers.inet import defragment
from scapy.layers.inet6 import defragment6

SIP_PORT = 5060
KEY_SALT_LEN = {
    "AES_CM_128_HMAC_SHA1_80": 30, "AES_CM_128_HMAC_SHA1_32": 30,
    "AES_192_CM_HMAC_SHA1_80": 38, "AES_192_CM_HMAC_SHA1_32": 38,
    "AES_256_CM_HMAC_SHA1_80": 46, "AES_256_CM_HMAC_SHA1_32": 46,
    "AEAD_AES_128_GCM": 28, "AEAD_AES_256_GCM": 44,
}
REQUIRED_HEADERS = ("via", "from", "to", "call-id", "cseq", "content-length")


class Report:
    def __init__(self, name):
        self.name = name
        self.failed = 0

    def check(self, check, problems):
        """Print one result line; problems is a list of strings."""
        if problems:
            self.failed += 1
            listed = "; ".join(problems[:3])
            more = " (and %d more)" % (len(problems) - 3) if len(problems) > 3 else ""
            print("FAIL callgen %s %s: %s%s" % (self.name, check, listed, more))
        else:
            print("PASS callgen %s %s" % (self.name, check))


def l3(pkt):
    if IP in pkt:
        return pkt[IP]
    if IPv6 in pkt:
        return pkt[IPv6]
    return None


def addr_pair(ip):
    return ip.src, ip.dst


def header_checksum_problems(pkt):
    """Recompute the IPv4 header checksum of one frame with scapy."""
    if IP not in pkt:
        return []
    ip = pkt[IP]
    rebuilt = ip.copy()
    del rebuilt.chksum
    rebuilt = IP(raw(rebuilt))
    if rebuilt.chksum != ip.chksum:
        return ["IPv4 header checksum %#x, expected %#x at %s" % (ip.chksum, rebuilt.chksum,
                                                                  addr_pair(ip))]
    return []


def transport_checksum_problems(pkt):
    """Recompute the UDP or TCP checksum of a whole (reassembled) packet."""
    problems = []
    ip = l3(pkt)
    rebuilt = ip.copy()
    for layer in (UDP, TCP):
        if layer in rebuilt:
            del rebuilt[layer].chksum
    rebuilt = rebuilt.__class__(raw(rebuilt))
    for layer in (UDP, TCP):
        if layer in pkt and rebuilt[layer].chksum != pkt[layer].chksum:
            problems.append("%s checksum %#x, expected %#x at %s" % (
                layer.__name__, pkt[layer].chksum, rebuilt[layer].chksum, addr_pair(ip)))
    return problems


def is_fragment(pkt):
    if IP in pkt:
        return pkt[IP].flags.MF or pkt[IP].frag != 0
    return IPv6ExtHdrFragment in pkt


def read_capture(path):
    """Return (frames, reassembled packets, problems of the frames check)."""
    frames, problems = [], []
    last = None
    with PcapReader(path) as reader:
        for pkt in reader:
            if Ether not in pkt or l3(pkt) is None:
                problems.append("frame %d is not Ethernet with IP" % len(frames))
            elif last is not None and pkt.time < last:
                problems.append("frame %d goes back in time" % len(frames))
            last = pkt.time
            frames.append(pkt)
    v4_frags = [p for p in frames if IP in p and is_fragment(p)]
    v6_frags = collections.defaultdict(list)
    whole = []
    for p in frames:
        if IPv6ExtHdrFragment in p:
            v6_frags[p[IPv6ExtHdrFragment].id].append(p)
        elif not (IP in p and is_fragment(p)):
            whole.append(p)
    if v4_frags:
        whole += [p for p in defragment(v4_frags) if not is_fragment(p)]
    for parts in v6_frags.values():
        # defragment6 leaves the payload unparsed, so parse the bytes again.
        joined = Ether(raw(parts[0])[:14] + raw(defragment6([p[IPv6] for p in parts])))
        joined.time = parts[0].time
        whole.append(joined)
    return frames, whole, problems


def parse_sip(data):
    """Parse one SIP message; return (start line, headers, body, rest) or raise."""
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        raise ValueError("no empty line after the headers")
    lines = data[:head_end].decode("utf-8").split("\r\n")
    start = lines[0]
    if not (re.match(r"^[A-Z]+ \S+ SIP/2\.0$", start) or
            re.match(r"^SIP/2\.0 \d{3} .+$", start)):
        raise ValueError("bad start line %r" % start)
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise ValueError("bad header line %r" % line)
        headers.setdefault(name.lower(), []).append(value.strip())
    for name in REQUIRED_HEADERS:
        if name not in headers:
            raise ValueError("%r lacks %s" % (start, name))
    length = int(headers["content-length"][0])
    body = data[head_end + 4:head_end + 4 + length]
    if len(body) != length:
        raise ValueError("%r has %d body bytes, Content-Length %d" % (start, len(body), length))
    return start, headers, body, data[head_end + 4 + length:]


def tcp_streams(packets):
    """Group SIP TCP segments by connection and direction."""
    conns = collections.defaultdict(list)
    for p in packets:
        if TCP in p and SIP_PORT in (p[TCP].sport, p[TCP].dport):
            ip = l3(p)
            key = tuple(sorted([(ip.src, p[TCP].sport), (ip.dst, p[TCP].dport)]))
            conns[key].append(p)
    return conns


def check_connection(segments, problems):
    """Follow one connection; return each direction's bytes with the
    (offset, capture time) of every data segment in it."""
    first = segments[0]
    client = (l3(first).src, first[TCP].sport)
    if first[TCP].flags != "S":
        problems.append("connection %s does not start with SYN" % (client,))
        return []
    next_seq, fins = {}, set()
    data = collections.defaultdict(bytes)
    times = collections.defaultdict(list)
    for p in segments:
        ip, tcp = l3(p), p[TCP]
        side = (ip.src, tcp.sport)
        peer = (ip.dst, tcp.dport)
        payload = bytes(tcp.payload)
        if "S" in tcp.flags:
            next_seq[side] = tcp.seq + 1
        elif next_seq.get(side) != tcp.seq:
            problems.append("%s sends seq %d, expected %s" % (side, tcp.seq, next_seq.get(side)))
            return []
        else:
            next_seq[side] += len(payload) + (1 if "F" in tcp.flags else 0)
            if payload:
                times[side].append((len(data[side]), float(p.time)))
            data[side] += payload
        if "F" in tcp.flags:
            fins.add(side)
        if "A" in tcp.flags and peer in next_seq and tcp.ack > next_seq[peer]:
            problems.append("%s acknowledges %d beyond %d" % (side, tcp.ack, next_seq[peer]))
    if len(fins) != 2:
        problems.append("connection %s lacks a FIN from each side" % (client,))
    return [(data[side], times[side]) for side in data]


def time_at(times, offset):
    """Return the capture time of the segment that contains the byte at offset."""
    found = times[0][1]
    for start, t in times:
        if start > offset:
            break
        found = t
    return found


def sip_messages(packets, report):
    """Return every SIP message as (time, start, headers, body) and run the
    tcp and sip checks."""
    messages, sip_problems, tcp_problems = [], [], []
    for p in packets:
        if UDP in p and SIP_PORT in (p[UDP].sport, p[UDP].dport):
            try:
                start, headers, body, rest = parse_sip(bytes(p[UDP].payload))
                if rest:
                    raise ValueError("%d bytes after %r" % (len(rest), start))
                messages.append((float(p.time), start, headers, body))
            except (ValueError, UnicodeDecodeError) as e:
                sip_problems.append("UDP: %s" % e)
    for segments in tcp_streams(packets).values():
        for stream, times in check_connection(segments, tcp_problems):
            offset = 0
            while offset < len(stream):
                try:
                    start, headers, body, rest = parse_sip(stream[offset:])
                    messages.append((time_at(times, offset), start, headers, body))
                    offset = len(stream) - len(rest)
                except (ValueError, UnicodeDecodeError) as e:
                    sip_problems.append("TCP: %s" % e)
                    break
    report.check("tcp", tcp_problems)
    report.check("sip", sip_problems)
    messages.sort(key=lambda m: m[0])
    return [m[1:] for m in messages]


def sdp_problems(call, body, side):
    """Check one SDP body of a call; side 0 is the offer, 1 the answer."""
    problems = []
    text = body.decode("ascii")
    stream = call["streams"][side] if call["streams"] else None
    media = re.search(r"^m=audio (\d+) (\S+) ", text, re.M)
    if media is None:
        return ["%s: SDP without m=audio" % call["call_id"]]
    if stream is not None and int(media.group(1)) != stream["src_port"]:
        problems.append("%s: m=audio port %s, truth %d" % (call["call_id"], media.group(1),
                                                             stream["src_port"]))
    cryptos = re.findall(r"^a=crypto:(\d+) (\S+) inline:(\S+)", text, re.M)
    key_mgmt = re.findall(r"^a=key-mgmt:mikey (\S+)", text, re.M)
    if call["keying"] == "sdes":
        chosen = [c for c in cryptos if c[1] == call["suite"]]
        if not chosen:
            problems.append("%s: no a=crypto with %s" % (call["call_id"], call["suite"]))
        for _, suite, key in cryptos:
            if len(base64.b64decode(key, validate=True)) != KEY_SALT_LEN[suite]:
                problems.append("%s: %s key of the wrong length" % (call["call_id"], suite))
    elif call["keying"] == "mikey":
        if len(key_mgmt) != 1 or cryptos:
            problems.append("%s: expected one a=key-mgmt:mikey and no a=crypto" % call["call_id"])
        else:
            msg = base64.b64decode(key_mgmt[0], validate=True)
            if call.get("attack", {}).get("kind") != "forged-flood" and msg[0] != 1:
                problems.append("%s: MIKEY version %d" % (call["call_id"], msg[0]))
    elif cryptos or key_mgmt or media.group(2) != "RTP/AVP":
        problems.append("%s: a plain call with keys or SAVP" % call["call_id"])
    return problems


def addr_spec(value):
    """The URI of a From or To value: inside <>, else up to the parameters."""
    match = re.search(r"<([^>]*)>", value)
    return match.group(1) if match else value.split(";")[0].strip()


def write_mikey_messages(truth, messages, path):
    """Write call_id, From, To, TRANSFER_INIT and TRANSFER_RESP (base64) of
    every MIKEY call, for tests/callgen/mikey_li_check."""
    by_call = collections.defaultdict(list)
    for start, headers, body in messages:
        by_call[headers["call-id"][0]].append((start, headers, body))
    with open(path, "w") as out:
        for call in truth["calls"]:
            if call["keying"] != "mikey":
                continue
            found = {"INVITE": "-", "200": "-"}
            from_uri = to_uri = "-"
            for start, headers, body in by_call.get(call["call_id"], []):
                kind = start.split(" ")[1] if start.startswith("SIP/") else start.split(" ")[0]
                key_mgmt = re.search(r"^a=key-mgmt:mikey (\S+)", body.decode("ascii"), re.M)
                if kind == "INVITE":
                    from_uri = addr_spec(headers["from"][0])
                    to_uri = addr_spec(headers["to"][0])
                if kind in found and key_mgmt and headers["cseq"][0].endswith("INVITE"):
                    found[kind] = key_mgmt.group(1)
            out.write("\t".join([call["call_id"], from_uri, to_uri, found["INVITE"],
                                 found["200"]]) + "\n")


def check_calls(truth, messages, report):
    by_call = collections.defaultdict(list)
    for start, headers, body in messages:
        by_call[headers["call-id"][0]].append((start, headers, body))
    call_problems, sdp = [], []
    for call in truth["calls"]:
        msgs = by_call.get(call["call_id"], [])
        starts = [m[0].split(" ")[0] if not m[0].startswith("SIP/") else m[0].split(" ")[1]
                  for m in msgs]
        expected = (["INVITE", "100", "488", "ACK"] if call["final_status"] == 488 else
                    ["INVITE", "100", "180", "200", "ACK", "BYE", "200"])
        if starts != expected:
            call_problems.append("%s: messages %s, expected %s" % (call["call_id"], starts, expected))
            continue
        if len(msgs) != call["sip_messages"]:
            call_problems.append("%s: %d messages, truth %d" % (call["call_id"], len(msgs),
                                                                  call["sip_messages"]))
        bodies = [m[2] for m in msgs if m[2]]
        if call["final_status"] == 200 and len(bodies) != 2:
            sdp.append("%s: %d SDP bodies" % (call["call_id"], len(bodies)))
            continue
        for side, body in enumerate(bodies):
            sdp += sdp_problems(call, body, side)
    report.check("calls", call_problems)
    report.check("sdp", sdp)


def check_media(truth, packets, report):
    counts = collections.Counter()
    for p in packets:
        if UDP in p:
            ip = l3(p)
            payload = bytes(p[UDP].payload)
            rtcp = len(payload) > 1 and 192 <= payload[1] <= 223
            counts[(ip.src, p[UDP].sport, ip.dst, p[UDP].dport, rtcp)] += 1
    problems = []
    for call in truth["calls"]:
        for s in call["streams"]:
            rtp = counts[(s["src"], s["src_port"], s["dst"], s["dst_port"], False)]
            rtcp = counts[(s["src"], s["rtcp_src_port"], s["dst"], s["rtcp_dst_port"], True)]
            if rtp != s["packets"] or rtcp != s["rtcp_packets"]:
                problems.append("%s %s: %d RTP and %d RTCP packets, truth %d and %d" % (
                    call["call_id"], s["direction"], rtp, rtcp, s["packets"], s["rtcp_packets"]))
    report.check("media", problems)


def check_keys(truth, keys_path, report):
    keys = {}
    with open(keys_path) as f:
        for line in f:
            k = json.loads(line)
            keys[(k["call_id"], k["direction"])] = k["key_salt_hex"]
    problems = []
    for call in truth["calls"]:
        for s in call["streams"]:
            key = keys.get((call["call_id"], s["direction"]))
            if key is None:
                problems.append("%s %s: not in the key file" % (call["call_id"], s["direction"]))
            elif "key_sha256" in s and hashlib.sha256(bytes.fromhex(key)).hexdigest() != s["key_sha256"]:
                problems.append("%s %s: key_sha256 differs" % (call["call_id"], s["direction"]))
    report.check("keys", problems)


def check_decoded(truth, decoded_path, report):
    decoded = {}
    with open(decoded_path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            decoded[(fields[0], fields[1])] = fields
    problems = []
    for call in truth["calls"]:
        for s in call["streams"]:
            d = decoded.get((call["call_id"], s["direction"]))
            if d is None:
                problems.append("%s %s: not decoded" % (call["call_id"], s["direction"]))
                continue
            got = (int(d[3]), int(d[4]), int(d[5]), int(d[6]), d[7], int(d[8]), int(d[9]))
            want = (s["packets"], 0, s["first_seq"], s["last_seq"], s["payload_sha256"],
                    s["rtcp_packets"], 0)
            if s["packets"] == 0:
                got, want = got[:2] + got[5:], want[:2] + want[5:]
            if got != want:
                problems.append("%s %s: decoded %s, truth %s" % (call["call_id"],
                                                                 s["direction"], got, want))
    report.check("decoded", problems)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("capture")
    ap.add_argument("truth")
    ap.add_argument("--keys")
    ap.add_argument("--decoded")
    ap.add_argument("--mikey-out", help="write the MIKEY messages of each call here")
    args = ap.parse_args()

    report = Report(args.name)
    with open(args.truth) as f:
        truth = json.load(f)
    frames, packets, problems = read_capture(args.capture)
    summary = truth["summary"]
    if summary["frames"] != len(frames):
        problems.append("%d frames, truth summary %d" % (len(frames), summary["frames"]))
    if summary["file_bytes"] != os.path.getsize(args.capture):
        problems.append("file of %d bytes, truth summary %d" % (os.path.getsize(args.capture),
                                                                 summary["file_bytes"]))
    report.check("frames", problems)
    problems = []
    for p in frames:
        problems += header_checksum_problems(p)
    for p in packets:
        problems += transport_checksum_problems(p)
    report.check("checksums", problems)
    messages = sip_messages(packets, report)
    check_calls(truth, messages, report)
    if args.mikey_out:
        write_mikey_messages(truth, messages, args.mikey_out)
    check_media(truth, packets, report)
    if args.keys:
        check_keys(truth, args.keys, report)
    if args.decoded:
        check_decoded(truth, args.decoded, report)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

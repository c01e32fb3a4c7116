#!/usr/bin/env python3
"""Count the packets and bytes of each kind of traffic in a lime-callgen capture.

Usage: capture_mix.py CAPTURE.pcap OUT.json

Kinds, distinguished by the addresses and ports that lime-callgen uses:
  background  a source or destination in 203.0.113.0/24 or 2001:db8:0:2::/64
  sip         TCP or UDP with port 5060 on either side
  fragment    an IPv4 fragment other than the first, or an IPv6 Fragment header
  media       other UDP: RTP and RTCP
  other       anything else (TCP handshakes of SIP connections have port 5060)
OUT.json holds {"packets": {kind: n}, "bytes": {kind: n}, "size_histogram":
{"<=128": n, ...}}, bytes being the captured Ethernet frames without
preamble, FCS or inter-frame gap.
"""
import json
import struct
import sys

SIP_PORT = 5060
BACKGROUND_V4 = bytes([203, 0, 113])
BACKGROUND_V6 = bytes.fromhex("20010db8000000020000")[:8]
SIZE_BINS = (128, 256, 512, 1024, 1518)


def classify(frame):
    if len(frame) < 14:
        return "other"
    ethertype, = struct.unpack_from("!H", frame, 12)
    offset = 14
    if ethertype == 0x8100 and len(frame) >= 18:
        ethertype, = struct.unpack_from("!H", frame, 16)
        offset = 18
    if ethertype == 0x0800:
        ip = frame[offset:]
        if len(ip) < 20:
            return "other"
        if ip[12:15] == BACKGROUND_V4 or ip[16:19] == BACKGROUND_V4:
            return "background"
        proto = ip[9]
        frag, = struct.unpack_from("!H", ip, 6)
        if frag & 0x1FFF:
            return "fragment"
        l4 = ip[(ip[0] & 0x0F) * 4:]
    elif ethertype == 0x86DD:
        ip = frame[offset:]
        if len(ip) < 40:
            return "other"
        if ip[8:16] == BACKGROUND_V6 or ip[24:32] == BACKGROUND_V6:
            return "background"
        proto = ip[6]
        if proto == 44:
            return "fragment"
        l4 = ip[40:]
    else:
        return "other"
    if proto not in (6, 17) or len(l4) < 4:
        return "other"
    sport, dport = struct.unpack_from("!HH", l4, 0)
    if sport == SIP_PORT or dport == SIP_PORT:
        return "sip"
    return "media" if proto == 17 else "other"


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: capture_mix.py CAPTURE.pcap OUT.json")
    packets, sizes = {}, {}
    histogram = {"<=%d" % b: 0 for b in SIZE_BINS}
    histogram[">%d" % SIZE_BINS[-1]] = 0
    with open(sys.argv[1], "rb", buffering=1 << 20) as f:
        f.read(24)
        while True:
            header = f.read(16)
            if len(header) < 16:
                break
            caplen, length = struct.unpack_from("<II", header, 8)
            frame = f.read(caplen)
            kind = classify(frame[:80])
            packets[kind] = packets.get(kind, 0) + 1
            sizes[kind] = sizes.get(kind, 0) + length
            for b in SIZE_BINS:
                if length <= b:
                    histogram["<=%d" % b] += 1
                    break
            else:
                histogram[">%d" % SIZE_BINS[-1]] += 1
    with open(sys.argv[2], "w") as out:
        json.dump({"packets": packets, "bytes": sizes, "size_histogram": histogram}, out, indent=1)


if __name__ == "__main__":
    main()

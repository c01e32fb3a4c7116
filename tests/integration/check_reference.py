#!/usr/bin/python3
"""Compare lime's decryption of a real SDES call with an unencrypted call.

Usage: check_reference.py DECRYPTED.pcapng ENCRYPTED.pcap PLAIN.pcap

The two captures are calls of the same SIP software with the same audio
file, once with SDES and once without encryption. The RTP payloads that
lime decrypted from the first must equal, packet for packet and in both
directions, those of the second. The calls end when the file does, so
their last packet or two may differ in number: the shorter stream is
compared. Prints each mismatch; exits 1 if any.
"""

import re
import sys

from scapy.layers.inet import UDP
from scapy.utils import PcapNgReader, rdpcap


def caller_media_port(packets):
    """The port of the INVITE's m=audio line: where the caller receives."""
    for packet in packets:
        if UDP in packet:
            data = bytes(packet[UDP].payload)
            if data.startswith(b"INVITE "):
                match = re.search(rb"m=audio (\d+)", data)
                if match:
                    return int(match.group(1))
    raise SystemExit("no INVITE with an m=audio line")


def rtp_payloads(packets, caller_port):
    """RTP payloads by direction: to the caller, and from the caller."""
    streams = {"to_caller": [], "from_caller": []}
    for packet in packets:
        if UDP not in packet:
            continue
        data = bytes(packet[UDP].payload)
        if len(data) < 12 or data[0] >> 6 != 2 or 192 <= data[1] <= 223:
            continue
        if packet[UDP].sport in (5060, 5062) or packet[UDP].dport in (5060, 5062):
            continue
        key = "to_caller" if packet[UDP].dport == caller_port else "from_caller"
        streams[key].append(data[12 + 4 * (data[0] & 0x0F):])
    return streams


def main():
    decrypted = list(PcapNgReader(sys.argv[1]))
    encrypted = rdpcap(sys.argv[2])
    plain = rdpcap(sys.argv[3])
    got = rtp_payloads(decrypted, caller_media_port(encrypted))
    want = rtp_payloads(plain, caller_media_port(plain))
    problems = []
    for direction in ("to_caller", "from_caller"):
        a, b = got[direction], want[direction]
        if not b:
            problems.append("%s: the reference has no RTP" % direction)
        if abs(len(a) - len(b)) > 2 or min(len(a), len(b)) < 0.9 * max(len(a), len(b), 1):
            problems.append("%s: %d packets decrypted, %d in the reference"
                            % (direction, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                problems.append("%s: packet %d differs from the reference" % (direction, i))
                break
    print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Compare lime's decrypted media with lime-callgen's ground truth.

Usage: check_decrypted.py TRUTH.json CC.pcapng SUMMARY.json

For every stream of a target call, the RTP payloads that lime wrote to
--cc-pcap (in capture order) must hash to the stream's payload_sha256,
and every RTCP packet must be there in clear. No packet of a non-target
call may appear, and the summary must count every packet as decrypted
and none as failed. Prints one line per mismatch and exits 1 if any.
"""

import hashlib
import json
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.utils import PcapNgReader


def rtp_payload(data):
    """Return the payload of an RTP packet, after CSRCs and extension."""
    count = data[0] & 0x0F
    offset = 12 + 4 * count
    if data[0] & 0x10:
        length = int.from_bytes(data[offset + 2:offset + 4], "big")
        offset += 4 + 4 * length
    end = len(data)
    if data[0] & 0x20:
        end -= data[-1]
    return data[offset:end]


def main():
    truth = json.load(open(sys.argv[1]))
    summary = json.load(open(sys.argv[3]))
    streams = {}
    others = set()
    expected_packets = 0
    for call in truth["calls"]:
        for stream in call.get("streams", []):
            rtp = (stream["dst"], stream["dst_port"])
            rtcp = (stream["dst"], stream["rtcp_dst_port"])
            if call["target"]:
                streams[rtp] = {"stream": stream, "call": call, "rtp": [], "rtcp": 0}
                streams.setdefault(rtcp, streams[rtp])
                expected_packets += stream["packets"] + stream["rtcp_packets"]
            else:
                others.update([rtp, rtcp])

    problems = []
    for packet in PcapNgReader(sys.argv[2]):
        ip = packet.getlayer(IP) or packet.getlayer(IPv6)
        udp = packet.getlayer(UDP)
        if ip is None or udp is None:
            problems.append("a packet without IP/UDP in the output")
            continue
        key = (ip.dst, udp.dport)
        data = bytes(udp.payload)
        if key in others:
            problems.append("media of a non-target call to %s:%d in the output" % key)
            continue
        entry = streams.get(key)
        if entry is None:
            problems.append("a packet to %s:%d matches no stream" % key)
            continue
        if 192 <= data[1] <= 223:
            entry["rtcp"] += 1
            if data[1] != 200 and data[1] != 201:
                problems.append("RTCP to %s:%d has packet type %d: not decrypted"
                                % (key[0], key[1], data[1]))
        else:
            entry["rtp"].append(rtp_payload(data))

    seen = set()
    for entry in streams.values():
        if id(entry) in seen:
            continue
        seen.add(id(entry))
        stream = entry["stream"]
        name = "%s %s" % (entry["call"]["call_id"], stream["direction"])
        digest = hashlib.sha256(b"".join(entry["rtp"])).hexdigest()
        if len(entry["rtp"]) != stream["packets"]:
            problems.append("%s: %d RTP packets written, %d sent"
                            % (name, len(entry["rtp"]), stream["packets"]))
        if digest != stream["payload_sha256"]:
            problems.append("%s: decrypted payloads differ from the ground truth" % name)
        if entry["rtcp"] != stream["rtcp_packets"]:
            problems.append("%s: %d RTCP packets written, %d sent"
                            % (name, entry["rtcp"], stream["rtcp_packets"]))

    decrypted = summary["media"]["decrypted"]
    if decrypted != expected_packets:
        problems.append("summary media.decrypted is %d, expected %d" % (decrypted, expected_packets))
    if summary["media"]["failed"] != 0:
        problems.append("summary media.failed is %d, expected 0" % summary["media"]["failed"])

    for line in problems[:20]:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Generate the captures of tests/integration/runtime_cases.sh.

Usage: gen_runtime_cases.py OUTDIR

Writes these files into OUTDIR, the same bytes on every run:
  options_paced.pcap   Three SIP OPTIONS over UDP at capture times 0, 1 and
                       2 seconds, to measure --pcap-speed pacing.
  merge_a.pcap,        The frames of the tcp_split case of
  merge_b.pcap         gen_capture_cases.py dealt alternately into two
                       files (frame 0 to a, frame 1 to b, ...) with their
                       timestamps kept.
  raw_ip.pcap          One SIP OPTIONS datagram in a capture of link type
                       101 (raw IP), which lime rejects.
  frag_flood.pcap      20000 IPv4 first fragments that never complete,
                       then a UDP call whose INVITE is in two fragments.
  tcp_no_framing.pcap  A TCP stream to port 5060 with about 1 MB of text
                       that contains no SIP start line, then a REGISTER on
                       a second stream.
  sip_burst.pcap       4000 SIP OPTIONS over UDP, 10 microseconds apart:
                       more frames than the smallest mbuf pool (1024).
  expected.json        Counts a correct passive tap reports, per capture.

expected.json maps each capture's name (without .pcap) to an object of
summary keys (dots separate nested objects) and their exact values.
Needs scapy, which Debian installs for /usr/bin/python3 (python3-scapy).
"""

import argparse
import json
import os
import struct
import sys

from scapy.layers.inet import IP, UDP
from scapy.packet import Raw

from gen_capture_cases import (
    BASE_TIME_US,
    CASES,
    SIP_PORT,
    Capture,
    Dialog,
    Host,
    Net,
    TcpConnection,
    make_parties,
    options_ping,
    order_frames,
    register_messages,
    tcp_parties,
    udp_dialog,
    write_pcap,
)

LINKTYPE_RAW = 101

FLOOD_FRAGMENTS = 20000
FLOOD_STEP_US = 5
# Fragment payload of each flood packet: a UDP header and 64 bytes, a
# multiple of 8 as every fragment but the last must be.
FLOOD_PAYLOAD_LEN = 72
# The call after the flood starts this long after the last flood fragment,
# beyond lime's default frag_timeout_ms of 2000, so that reassembly slots
# taken by the flood may already have expired when the INVITE arrives.
FLOOD_CALL_GAP_US = 3_000_000

NO_FRAMING_BYTES = 1_000_000
NO_FRAMING_WORDS = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
    "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey",
    "xray", "yankee", "zulu", "0123", "4567", "89", "-", ":", ";", "=",
]

SIP_BURST_MESSAGES = 4000
SIP_BURST_STEP_US = 10


def case_index(name):
    """Return the index of a gen_capture_cases.py case, which fixes its addresses."""
    for index, (case_name, _) in enumerate(CASES):
        if case_name == name:
            return index
    raise ValueError("gen_capture_cases.py has no case %s" % name)


def build_options_paced():
    cap = Capture("runtime_options_paced", 100)
    net = Net(cap)
    caller, callee = make_parties(cap)
    for n in range(3):
        request, _ = options_ping(cap.rng, caller, callee, "canonical")
        net.udp(n * 1_000_000, caller.host, callee.host, caller.sip_port,
                callee.sip_port, request)
    return cap, {"sip_messages": 3}


def build_merge(outdir):
    """Write merge_a.pcap and merge_b.pcap and return the expected counts."""
    name = "tcp_split"
    cap = Capture(name, case_index(name))
    dict(CASES)[name](cap)
    timeline = order_frames(cap.frames)
    write_pcap(os.path.join(outdir, "merge_a.pcap"), timeline[0::2])
    write_pcap(os.path.join(outdir, "merge_b.pcap"), timeline[1::2])
    return {
        "packets_total": len(timeline),
        "sip_messages": sum(cap.sip.values()),
        "sip.tcp_out_of_order_segments": 0,
        "sip.tcp_retransmitted_bytes": 0,
    }


def write_raw_ip(path):
    cap = Capture("runtime_raw_ip", 101)
    caller, callee = make_parties(cap)
    request, _ = options_ping(cap.rng, caller, callee, "canonical")
    packet = bytes(IP(src=caller.host.addr, dst=callee.host.addr, id=1, ttl=64)
                   / UDP(sport=SIP_PORT, dport=SIP_PORT) / Raw(request))
    seconds, micros = divmod(BASE_TIME_US, 1_000_000)
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPE_RAW))
        out.write(struct.pack("<IIII", seconds, micros, len(packet), len(packet)))
        out.write(packet)


def ipv4_checksum(header):
    total = sum(struct.unpack("!%dH" % (len(header) // 2), header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def flood_fragment(src, dst, ident, src_mac, dst_mac):
    """Return an Ethernet frame with an IPv4 first fragment (MF set, offset 0).

    Built with struct because scapy takes seconds for 20000 packets.
    """
    udp = struct.pack("!HHHH", 40000, SIP_PORT, 8 + 1400, 0)
    payload = udp + b"\x5a" * (FLOOD_PAYLOAD_LEN - len(udp))
    more_fragments = 0x2000
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                         more_fragments, 64, 17, 0, src, dst)
    header = header[:10] + struct.pack("!H", ipv4_checksum(header)) + header[12:]
    ether = dst_mac + src_mac + struct.pack("!H", 0x0800)
    return ether + header + payload


def build_frag_flood():
    cap = Capture("runtime_frag_flood", 102)
    net = Net(cap)
    flooder = Host("192.0.2.200", "02:00:00:00:66:01", cap.rng)
    victim = Host("198.51.100.200", "02:00:00:00:66:02", cap.rng)
    src = bytes(int(octet) for octet in flooder.addr.split("."))
    dst = bytes(int(octet) for octet in victim.addr.split("."))
    src_mac = bytes.fromhex(flooder.mac.replace(":", ""))
    dst_mac = bytes.fromhex(victim.mac.replace(":", ""))
    for ident in range(FLOOD_FRAGMENTS):
        cap.add(ident * FLOOD_STEP_US, flood_fragment(src, dst, ident, src_mac, dst_mac))

    caller, callee = make_parties(cap)
    dialog = Dialog(cap.rng, caller, callee, offer_len=1350)

    def send(step, time_us, sender, receiver, message):
        if step != "invite":
            return False
        net.udp_fragments(time_us, sender.host, receiver.host, sender.sip_port,
                          receiver.sip_port, message, 1480)
        cap.count_sip()
        return True

    call_start = FLOOD_FRAGMENTS * FLOOD_STEP_US + FLOOD_CALL_GAP_US
    udp_dialog(net, dialog, call_start, send=send)
    call_fragments = 2
    return cap, {
        "sip_messages": sum(cap.sip.values()),
        "fragments.received": FLOOD_FRAGMENTS + call_fragments,
        "fragments.datagrams_reassembled": 1,
        "fragments.dropped_min": FLOOD_FRAGMENTS,
    }


def no_framing_text(rng, size):
    """Return size bytes of CRLF-ended lines of words, none of them a SIP start line.

    A SIP start line ends in "SIP/2.0" or starts with it, and no word here
    contains "SIP".
    """
    lines = []
    length = 0
    while length < size:
        words = [rng.choice(NO_FRAMING_WORDS) for _ in range(rng.randrange(3, 14))]
        line = (" ".join(words) + "\r\n").encode("ascii")
        lines.append(line)
        length += len(line)
    return b"".join(lines)[:size]


def build_tcp_no_framing():
    cap = Capture("runtime_tcp_no_framing", 103)
    net = Net(cap)
    client, server = tcp_parties(cap)

    unframed = TcpConnection(net, client.host, server.host, 40100, server.sip_port)
    unframed.write_bytes("c", no_framing_text(cap.rng, NO_FRAMING_BYTES))
    t = unframed.handshake(0)
    t = unframed.send_through(t + 1_000, "c", NO_FRAMING_BYTES)
    unframed.pure_ack(t + 200, "s")
    unframed.close(t + 1_000)
    unframed.count_messages()

    register = TcpConnection(net, client.host, server.host, 40101, server.sip_port)
    first, _, _, _ = register_messages(cap.rng, client, "example.net")
    start, end = register.write_message("c", first)
    t = register.handshake(t + 10_000)
    register.send(t + 1_000, "c", start, end)
    register.pure_ack(t + 1_300, "s")
    register.count_messages()
    return cap, {"sip_messages": sum(cap.sip.values()), "sip.tcp_bytes_discarded_min": 1}


def build_sip_burst():
    cap = Capture("runtime_sip_burst", 104)
    net = Net(cap)
    caller, callee = make_parties(cap)
    for n in range(SIP_BURST_MESSAGES):
        request, _ = options_ping(cap.rng, caller, callee, "canonical")
        net.udp(n * SIP_BURST_STEP_US, caller.host, callee.host, caller.sip_port,
                callee.sip_port, request)
    return cap, {"packets_total": SIP_BURST_MESSAGES, "sip_messages": SIP_BURST_MESSAGES}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", help="directory for the pcap files and expected.json")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    expected = {}
    for name, build in (("options_paced", build_options_paced),
                        ("frag_flood", build_frag_flood),
                        ("tcp_no_framing", build_tcp_no_framing),
                        ("sip_burst", build_sip_burst)):
        cap, counts = build()
        write_pcap(os.path.join(args.outdir, name + ".pcap"), order_frames(cap.frames))
        expected[name] = counts
    expected["merge"] = build_merge(args.outdir)
    write_raw_ip(os.path.join(args.outdir, "raw_ip.pcap"))

    with open(os.path.join(args.outdir, "expected.json"), "w") as out:
        json.dump(expected, out, indent=2, sort_keys=True)
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

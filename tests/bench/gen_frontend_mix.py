#!/usr/bin/env python3
"""Write the non-target traffic mix of the front-end benchmark as a pcap.

Usage: gen_frontend_mix.py OUT.pcap [PACKETS]

The mix is the traffic a tap mostly receives: UDP and TCP of 64 to 1500 bytes, RTP of
flows that belong to no intercepted call, and about 1 % SIP over UDP. It is
deterministic and needs only the standard library.
"""
import random
import struct
import sys

SIP_PORT = 5060


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0,
                      64, proto, 0, bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ethernet(payload):
    return b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, payload):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x18,
                       65535, 0, 0) + payload


def sip_invite(n):
    body = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
    head = ("OPTIONS sip:bob@example.net SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK%d\r\n"
            "From: <sip:alice@example.com>;tag=%d\r\nTo: <sip:bob@example.net>\r\n"
            "Call-ID: bench-%d@192.0.2.10\r\nCSeq: 1 OPTIONS\r\n"
            "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n") % (n, n, n, len(body))
    return (head + body).encode()


def frame_of_size(rng, size, n):
    src = [198, 51, 100, rng.randrange(1, 255)]
    dst = [203, 0, 113, rng.randrange(1, 255)]
    room = max(size - 14 - 20, 8)
    kind = rng.random()
    if kind < 0.01:
        return ethernet(ipv4(src, dst, 17, udp(SIP_PORT, SIP_PORT, sip_invite(n)), n & 0xFFFF))
    if kind < 0.30:
        rtp = struct.pack("!BBHII", 0x80, 0, n & 0xFFFF, n * 160, 0x1000 + (n % 97))
        payload = rtp + bytes(160)
        return ethernet(ipv4(src, dst, 17, udp(rng.randrange(16384, 32768, 2),
                                                rng.randrange(16384, 32768, 2), payload), n & 0xFFFF))
    if kind < 0.65:
        payload = bytes(max(room - 8, 0))
        return ethernet(ipv4(src, dst, 17, udp(rng.randrange(1024, 65535), 53, payload), n & 0xFFFF))
    payload = bytes(max(room - 20, 0))
    return ethernet(ipv4(src, dst, 6, tcp(443, rng.randrange(1024, 65535), n * 1000, payload), n & 0xFFFF))


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 16384
    rng = random.Random(20261204)
    sizes = [64] * 7 + [576] * 4 + [1500]
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(count):
            frame = frame_of_size(rng, rng.choice(sizes), n)
            if len(frame) < 60:
                frame += bytes(60 - len(frame))
            ts = 1772359200 + n // 1000
            f.write(struct.pack("<IIII", ts, (n % 1000) * 1000, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()

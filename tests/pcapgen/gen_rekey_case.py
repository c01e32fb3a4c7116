#!/usr/bin/python3
"""Write a capture of an SDES call that changes its keys with a re-INVITE.

Usage: gen_rekey_case.py OUT.pcap EXPECTED.json

The caller (target sip:rekey@ims.test) sends 40 RTP packets under its first
key, offers a second key in a re-INVITE that the callee answers, then sends
5 more packets under the old key (as a terminal may until it applies the
answer) and 20 under the new one. The callee sends 60 packets under its
own single key. EXPECTED.json has the packet counts lime must report.
"""

import base64
import json
import struct
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import wrpcap

from srtp_protect import Sender

CALLER = ("192.0.2.71", 5060, 40000)
CALLEE = ("198.51.100.71", 5060, 50000)
T0 = 1780272000.0          # 2026-06-01T00:00:00Z


def key(first):
    return bytes((first + i) % 256 for i in range(30))


def crypto_line(key_salt):
    return "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s" % base64.b64encode(key_salt).decode()


def sdp(addr, port, key_salt, version):
    return "\r\n".join([
        "v=0", "o=- 1 %d IN IP4 %s" % (version, addr), "s=-", "c=IN IP4 %s" % addr, "t=0 0",
        "m=audio %d RTP/SAVP 0" % port, crypto_line(key_salt), ""])


def sip(first_line, cseq, method, to_tag, body=""):
    lines = [first_line,
             "Via: SIP/2.0/UDP %s;branch=z9hG4bK%s%d" % (CALLER[0], method, cseq),
             "From: <sip:rekey@ims.test>;tag=r1",
             "To: <sip:peer@ims.test>%s" % (";tag=p1" if to_tag else ""),
             "Call-ID: rekey-call@ims.test",
             "CSeq: %d %s" % (cseq, method)]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def frame(t, src, dst, sport, dport, payload):
    packet = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload)
    packet.time = t
    return packet


def rtp(ssrc, seq, ts):
    payload = bytes((seq * 3 + i) % 256 for i in range(160))
    return struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc) + payload


def main():
    out, expected_path = sys.argv[1], sys.argv[2]
    caller_k1, caller_k2, callee_k = key(1), key(101), key(201)
    frames = []
    t = T0

    def signal(first, cseq, method, to_tag, body, from_caller):
        nonlocal t
        src, dst = (CALLER, CALLEE) if from_caller else (CALLEE, CALLER)
        frames.append(frame(t, src[0], dst[0], src[1], dst[1], sip(first, cseq, method, to_tag, body)))
        t += 0.01

    signal("INVITE sip:peer@ims.test SIP/2.0", 1, "INVITE", False,
           sdp(CALLER[0], CALLER[2], caller_k1, 1), True)
    signal("SIP/2.0 200 OK", 1, "INVITE", True, sdp(CALLEE[0], CALLEE[2], callee_k, 1), False)
    signal("ACK sip:peer@%s SIP/2.0" % CALLEE[0], 1, "ACK", True, "", True)

    to_callee, to_caller = Sender(caller_k1), Sender(callee_k)
    seq_a, seq_b = 1000, 5000

    def media(n, sender):
        nonlocal t, seq_a, seq_b
        for _ in range(n):
            frames.append(frame(t, CALLER[0], CALLEE[0], CALLER[2], CALLEE[2],
                                sender.protect(rtp(0xA1A1, seq_a, seq_a * 160))))
            frames.append(frame(t, CALLEE[0], CALLER[0], CALLEE[2], CALLER[2],
                                to_caller.protect(rtp(0xB2B2, seq_b, seq_b * 160))))
            seq_a += 1
            seq_b += 1
            t += 0.02

    media(40, to_callee)
    signal("INVITE sip:peer@%s SIP/2.0" % CALLEE[0], 2, "INVITE", True,
           sdp(CALLER[0], CALLER[2], caller_k2, 2), True)
    signal("SIP/2.0 200 OK", 2, "INVITE", True, sdp(CALLEE[0], CALLEE[2], callee_k, 2), False)
    signal("ACK sip:peer@%s SIP/2.0" % CALLEE[0], 2, "ACK", True, "", True)
    media(5, to_callee)              # still the old key
    media(15, Sender(caller_k2))
    signal("BYE sip:peer@%s SIP/2.0" % CALLEE[0], 3, "BYE", True, "", True)
    signal("SIP/2.0 200 OK", 3, "BYE", True, "", False)

    wrpcap(out, frames)
    json.dump({"media.packets": 120, "media.decrypted": 120, "media.failed": 0,
               "media.rekey_overlap_decrypted": 5}, open(expected_path, "w"))


if __name__ == "__main__":
    main()

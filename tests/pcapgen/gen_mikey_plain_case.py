#!/usr/bin/python3
"""Write captures of calls keyed by plain RFC 3830 MIKEY with a clear KEMAC.

Usage: gen_mikey_plain_case.py OUT_DIR

Writes two captures and their ground truth into OUT_DIR:

clear.pcap, clear.json
    Three calls to targets, each keyed by a MIKEY message in the SDP offer
    whose KEMAC has Encr alg NULL and a MAC lime cannot check, with a PSK
    response in the answer:
    - tgk-srtp-id: a TGK, SRTP-ID map, the callee's SSRC left 0 in the
      offer and filled in by the response. Each crypto session's TEK and
      salt come from the RFC 3830 section 4.1.3 PRF.
    - tek-generic-id: one TEK with salt per crypto session, GENERIC-ID
      map, each TEK named by its SPI.
    - tgk-sha256: a TGK with HMAC-SHA-256 as PRF (RFC 6043) and a
      non-zero ROC in the map.
    clear.json has the format of lime-callgen's ground truth that
    check_decrypted.py reads, with key_sha256 per stream.

unusable.pcap, unusable.json
    A call whose KEMAC is encrypted (AES-CM-128 under a PSK lime lacks)
    and a Diffie-Hellman call: lime must raise key_unavailable for each.

The PRF and SRTP here are written from the RFCs, independently of lime.
"""

import base64
import hashlib
import hmac
import json
import math
import os
import struct
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import wrpcap

from srtp_protect import Sender

T0 = 1780272000.0          # 2026-06-01T00:00:00Z
NTP_OFFSET = 2208988800

# RFC 3830 payload types and constants.
PT_LAST, PT_KEMAC, PT_DH, PT_T, PT_V, PT_SP, PT_RAND, PT_KEY_DATA = 0, 1, 3, 5, 9, 10, 11, 20
DT_PSK_INIT, DT_PSK_RESP, DT_DH_INIT, DT_DH_RESP = 0, 1, 4, 5
KEY_TGK, KEY_TEK_SALT = 0, 3
CONST_TEK, CONST_SALT = 0x2AD01C64, 0x39A2C14B


def prf(inkey, label, length, digest):
    """RFC 3830 4.1.2 PRF, with HMAC-SHA-256 for RFC 6043 PRF func 1."""
    hash_len = digest().digest_size
    rounds = math.ceil(length / hash_len)
    out = bytes(length)
    for start in range(0, len(inkey), 32):
        chunk = inkey[start:start + 32]
        a, p = label, b""
        for _ in range(rounds):
            a = hmac.new(chunk, a, digest).digest()
            p += hmac.new(chunk, a + label, digest).digest()
        out = bytes(x ^ y for x, y in zip(out, p[:length]))
    return out


def tgk_key(tgk, constant, cs_id, csb_id, rand, length, digest):
    label = struct.pack("!IBI", constant, cs_id, csb_id) + rand
    return prf(tgk, label, length, digest)


def ntp(t):
    seconds = int(t) + NTP_OFFSET
    return struct.pack("!II", seconds, int((t % 1) * (1 << 32)))


class Message:
    """A MIKEY message: HDR then payloads, each naming the next one."""

    def __init__(self, data_type, prf_func, csb_id, map_type, map_info, n_cs):
        self.head = bytes([1, data_type])
        self.after_np = bytes([prf_func & 0x7F]) + struct.pack("!IBB", csb_id, n_cs, map_type) + map_info
        self.payloads = []

    def add(self, ptype, body):
        self.payloads.append((ptype, body))

    def encode(self):
        first = self.payloads[0][0] if self.payloads else PT_LAST
        out = self.head + bytes([first]) + self.after_np
        for i, (_, body) in enumerate(self.payloads):
            nxt = self.payloads[i + 1][0] if i + 1 < len(self.payloads) else PT_LAST
            out += bytes([nxt]) + body
        return out


def srtp_id_map(entries):
    return b"".join(struct.pack("!BII", policy, ssrc, roc) for policy, ssrc, roc in entries)


def generic_id_map(entries):
    out = b""
    for cs_id, ssrc, spi in entries:
        session = struct.pack("!I", ssrc)
        out += bytes([cs_id, 0, 1, 0]) + struct.pack("!H", len(session)) + session
        out += bytes([len(spi)]) + spi
    return out


def key_data(items):
    """Key data sub-payloads: (type, key, salt, spi) each."""
    out = b""
    for i, (ktype, key, salt, spi) in enumerate(items):
        nxt = PT_KEY_DATA if i + 1 < len(items) else PT_LAST
        kv = 1 if spi else 0
        out += bytes([nxt, (ktype << 4) | kv]) + struct.pack("!H", len(key)) + key
        if salt is not None:
            out += struct.pack("!H", len(salt)) + salt
        if spi:
            out += bytes([len(spi)]) + spi
    return out


def kemac(encr_alg, data):
    # MAC alg HMAC-SHA-1-160 with a MAC lime cannot check without the PSK.
    return bytes([encr_alg]) + struct.pack("!H", len(data)) + data + bytes([1]) + os.urandom(20)


def timestamp(t):
    return bytes([0]) + ntp(t)


def rand_payload(rand):
    return bytes([len(rand)]) + rand


def sp_default():
    # Policy 0, Prot type SRTP, no parameters: the RFC 3830 defaults,
    # AES_CM_128_HMAC_SHA1_80.
    return bytes([0, 0]) + struct.pack("!H", 0)


def v_payload():
    return bytes([1]) + os.urandom(20)


def psk_resp(csb_id, prf_func, map_type, map_info, n_cs, t):
    m = Message(DT_PSK_RESP, prf_func, csb_id, map_type, map_info, n_cs)
    m.add(PT_T, timestamp(t))
    m.add(PT_V, v_payload())
    return m.encode()


def sdp(addr, port, mikey):
    return "\r\n".join([
        "v=0", "o=- 1 1 IN IP4 %s" % addr, "s=-", "c=IN IP4 %s" % addr, "t=0 0",
        "m=audio %d RTP/SAVP 0" % port,
        "a=key-mgmt:mikey %s" % base64.b64encode(mikey).decode(), ""])


def sip(first_line, call_id, cseq, method, caller, to_tag, body=""):
    lines = [first_line,
             "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK%s%s%d" % (call_id[:8], method, cseq),
             "From: <%s>;tag=a1" % caller,
             "To: <sip:peer@ims.test>%s" % (";tag=b1" if to_tag else ""),
             "Call-ID: %s" % call_id,
             "CSeq: %d %s" % (cseq, method)]
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def frame(t, src, dst, sport, dport, payload):
    packet = (Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
              IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload))
    packet.time = t
    return packet


def rtp(ssrc, seq, ts, salt):
    payload = bytes((seq * 7 + salt + i) % 256 for i in range(160))
    return struct.pack("!BBHII", 0x80, 0, seq, ts, ssrc) + payload, payload


class Call:
    def __init__(self, index, name, caller):
        self.name = name
        self.call_id = "plain-%s@ims.test" % name
        self.caller = caller
        self.a = ("192.0.2.%d" % (10 + index), 40000 + 2 * index)
        self.b = ("198.51.100.%d" % (10 + index), 50000 + 2 * index)


def run_call(frames, t, call, offer, answer, senders, packets=25):
    """Signals the call, then sends packets RTP packets each way. senders
    is (key_salt, ssrc, roc) for caller and callee, or None when the
    media is not decryptable by design."""
    a, b = call.a, call.b
    frames.append(frame(t, a[0], b[0], 5060, 5060,
                        sip("INVITE sip:peer@ims.test SIP/2.0", call.call_id, 1, "INVITE",
                            call.caller, False, sdp(a[0], a[1], offer))))
    frames.append(frame(t + 0.01, b[0], a[0], 5060, 5060,
                        sip("SIP/2.0 200 OK", call.call_id, 1, "INVITE", call.caller, True,
                            sdp(b[0], b[1], answer))))
    frames.append(frame(t + 0.02, a[0], b[0], 5060, 5060,
                        sip("ACK sip:peer@%s SIP/2.0" % b[0], call.call_id, 1, "ACK",
                            call.caller, True)))

    streams = []
    t += 0.05
    for direction, (src, dst), (key_salt, ssrc, roc) in (
            ("caller", (a, b), senders[0]), ("callee", (b, a), senders[1])):
        sender = Sender(key_salt)
        digest = hashlib.sha256()
        for i in range(packets):
            seq = 1000 + 17 * len(streams) + i
            packet, payload = rtp(ssrc, seq, seq * 160, len(streams))
            digest.update(payload)
            frames.append(frame(t + 0.02 * i, src[0], dst[0], src[1], dst[1],
                                sender.protect(packet, roc)))
        streams.append({
            "direction": direction, "src": src[0], "src_port": src[1],
            "dst": dst[0], "dst_port": dst[1], "rtcp_dst_port": dst[1] + 1,
            "ssrc": ssrc, "suite": "AES_CM_128_HMAC_SHA1_80",
            "key_sha256": hashlib.sha256(key_salt).hexdigest(),
            "packets": packets, "rtcp_packets": 0,
            "payload_sha256": digest.hexdigest()})

    frames.append(frame(t + 0.02 * packets + 0.1, a[0], b[0], 5060, 5060,
                        sip("BYE sip:peer@%s SIP/2.0" % b[0], call.call_id, 2, "BYE",
                            call.caller, True)))
    frames.append(frame(t + 0.02 * packets + 0.11, b[0], a[0], 5060, 5060,
                        sip("SIP/2.0 200 OK", call.call_id, 2, "BYE", call.caller, True)))
    return {"call_id": call.call_id, "target": True, "scenario": call.name, "streams": streams}


def tgk_srtp_id(frames, t, call):
    csb_id, rand, tgk = 0x11223344, os.urandom(16), os.urandom(16)
    ssrc_a, ssrc_b = 0x0A0A0001, 0x0B0B0001
    init = Message(DT_PSK_INIT, 0, csb_id, 0, srtp_id_map([(0, ssrc_a, 0), (0, 0, 0)]), 2)
    init.add(PT_T, timestamp(t))
    init.add(PT_RAND, rand_payload(rand))
    init.add(PT_SP, sp_default())
    init.add(PT_KEMAC, kemac(0, key_data([(KEY_TGK, tgk, None, b"")])))
    resp = psk_resp(csb_id, 0, 0, srtp_id_map([(0, ssrc_a, 0), (0, ssrc_b, 0)]), 2, t)
    keys = [tgk_key(tgk, CONST_TEK, cs, csb_id, rand, 16, hashlib.sha1) +
            tgk_key(tgk, CONST_SALT, cs, csb_id, rand, 14, hashlib.sha1) for cs in (1, 2)]
    return run_call(frames, t, call, init.encode(), resp,
                    [(keys[0], ssrc_a, 0), (keys[1], ssrc_b, 0)])


def tek_generic_id(frames, t, call):
    csb_id = 0x55667788
    ssrc_a, ssrc_b = 0x0A0A0002, 0x0B0B0002
    keys = [os.urandom(30), os.urandom(30)]
    spis = [b"\x00\x01", b"\x00\x02"]
    cs_map = generic_id_map([(1, ssrc_a, spis[0]), (2, ssrc_b, spis[1])])
    init = Message(DT_PSK_INIT, 0, csb_id, 2, cs_map, 2)
    init.add(PT_T, timestamp(t))
    init.add(PT_RAND, rand_payload(os.urandom(16)))
    init.add(PT_SP, sp_default())
    # The second crypto session's key comes first: the SPI decides.
    init.add(PT_KEMAC, kemac(0, key_data([
        (KEY_TEK_SALT, keys[1][:16], keys[1][16:], spis[1]),
        (KEY_TEK_SALT, keys[0][:16], keys[0][16:], spis[0])])))
    resp = psk_resp(csb_id, 0, 2, cs_map, 2, t)
    return run_call(frames, t, call, init.encode(), resp,
                    [(keys[0], ssrc_a, 0), (keys[1], ssrc_b, 0)])


def tgk_sha256(frames, t, call):
    csb_id, rand, tgk = 0x0BADCAFE, os.urandom(16), os.urandom(32)
    ssrc_a, ssrc_b = 0x0A0A0003, 0x0B0B0003
    roc = 2
    cs_map = srtp_id_map([(0, ssrc_a, roc), (0, ssrc_b, roc)])
    init = Message(DT_PSK_INIT, 1, csb_id, 0, cs_map, 2)
    init.add(PT_T, timestamp(t))
    init.add(PT_RAND, rand_payload(rand))
    init.add(PT_KEMAC, kemac(0, key_data([(KEY_TGK, tgk, None, b"")])))
    resp = psk_resp(csb_id, 1, 0, cs_map, 2, t)
    keys = [tgk_key(tgk, CONST_TEK, cs, csb_id, rand, 16, hashlib.sha256) +
            tgk_key(tgk, CONST_SALT, cs, csb_id, rand, 14, hashlib.sha256) for cs in (1, 2)]
    return run_call(frames, t, call, init.encode(), resp,
                    [(keys[0], ssrc_a, roc), (keys[1], ssrc_b, roc)])


def encrypted_kemac(frames, t, call):
    csb_id = 0x01010101
    cs_map = srtp_id_map([(0, 0x0A0A0004, 0), (0, 0x0B0B0004, 0)])
    init = Message(DT_PSK_INIT, 0, csb_id, 0, cs_map, 2)
    init.add(PT_T, timestamp(t))
    init.add(PT_RAND, rand_payload(os.urandom(16)))
    # AES-CM-128: random bytes stand for key data encrypted under a PSK.
    init.add(PT_KEMAC, kemac(1, os.urandom(24)))
    resp = psk_resp(csb_id, 0, 0, cs_map, 2, t)
    keys = (os.urandom(30), 0x0A0A0004, 0), (os.urandom(30), 0x0B0B0004, 0)
    return run_call(frames, t, call, init.encode(), resp, keys, packets=10)


def diffie_hellman(frames, t, call):
    csb_id = 0x02020202
    cs_map = srtp_id_map([(0, 0x0A0A0005, 0), (0, 0x0B0B0005, 0)])
    messages = []
    for dt in (DT_DH_INIT, DT_DH_RESP):
        m = Message(dt, 0, csb_id, 0, cs_map, 2)
        m.add(PT_T, timestamp(t))
        # DH group OAKLEY 2 (1024 bits), a made-up value, KV NULL.
        m.add(PT_DH, bytes([2]) + os.urandom(128) + bytes([0]))
        m.add(PT_V, v_payload())
        messages.append(m.encode())
    keys = (os.urandom(30), 0x0A0A0005, 0), (os.urandom(30), 0x0B0B0005, 0)
    return run_call(frames, t, call, messages[0], messages[1], keys, packets=10)


def write(out_dir, name, builders):
    frames, calls, t = [], [], T0
    for i, (scenario, builder) in enumerate(builders):
        call = Call(i + 1, scenario, "sip:plain-%d@ims.test" % i)
        calls.append(builder(frames, t, call))
        t += 2.0
    frames.sort(key=lambda f: f.time)
    wrpcap(os.path.join(out_dir, name + ".pcap"), frames)
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump({"generator": "gen_mikey_plain_case.py", "calls": calls}, f, indent=1)


def main():
    out_dir = sys.argv[1]
    write(out_dir, "clear", [("tgk-srtp-id", tgk_srtp_id), ("tek-generic-id", tek_generic_id),
                             ("tgk-sha256", tgk_sha256)])
    write(out_dir, "unusable", [("encrypted-kemac", encrypted_kemac),
                                ("diffie-hellman", diffie_hellman)])


if __name__ == "__main__":
    main()

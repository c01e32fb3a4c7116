#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Generate tests/kat/mikey_kat.h, the MIKEY crypto known-answer vectors.

This is a second implementation of the MIKEY PRF, the key derivations of
RFC 3830 and RFC 6043, the KEMAC AES-CM encryption and the MIKEY-TICKET MAC
inputs, written from the RFC text and not from lime's C code. It builds the
six MIKEY-TICKET example messages byte by byte. All inputs are fixed, so
the output is the same on every run.

Usage: /usr/bin/python3 tests/kat/gen_mikey_kat.py > tests/kat/mikey_kat.h
Needs the `cryptography` module (Debian: python3-cryptography) for AES.
"""

import hashlib
import hmac
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HASHES = {0: hashlib.sha1, 1: hashlib.sha256}

C_TEK, C_TGK_AUTH, C_TGK_ENCR, C_TGK_SALT = 0x2AD01C64, 0x1B5C7973, 0x15798CEF, 0x39A2C14B
C_ENCR, C_AUTH, C_SALT = 0x150533E1, 0x2D22AC75, 0x29B88916
C_FORK_MPKR, C_FORK_TGK, C_MPKI, C_MPKR = 0x2B288856, 0x1512B54A, 0x220E99A2, 0x1F4D675B

# Enum values of lime's C headers, used to tell the test which function to call.
TGK_KEYS = {"tek": (0, C_TEK), "salt": (1, C_TGK_SALT), "encr": (2, C_TGK_ENCR), "auth": (3, C_TGK_AUTH)}
MSG_KEYS = {"encr": (0, C_ENCR), "auth": (1, C_AUTH), "salt": (2, C_SALT)}


def seq(start, n):
    return bytes((start + i) & 0xFF for i in range(n))


def prf(func, inkey, label, outlen):
    """RFC 3830 4.1.2: XOR of P(s_i) over the 256-bit chunks s_i of inkey."""
    h = HASHES[func]
    hl = h().digest_size
    blocks = -(-outlen // hl)
    out = bytearray(blocks * hl)
    for start in range(0, len(inkey), 32):
        s = inkey[start:start + 32]
        a = label
        p = b""
        for _ in range(blocks):
            a = hmac.new(s, a, h).digest()
            p += hmac.new(s, a + label, h).digest()
        for i in range(len(out)):
            out[i] ^= p[i]
    return bytes(out[:outlen])


def u8(v):
    return struct.pack(">B", v)


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v)


def label_3830(const, cs_id, csb_id, rand):
    return u32(const) + u8(cs_id) + u32(csb_id) + rand


def label_ticket_msg(const, csb_id, direction, randri, randrr):
    return (u32(const) + b"\xff" + u32(csb_id) + u8(direction) + u8(len(randri)) + randri
            + u8(len(randrr)) + randrr)


def label_fork(const, idrr, randrkms):
    return u32(const) + b"\xff" + b"\xff" * 4 + b"\x00" + u16(len(idrr)) + idrr + u8(len(randrkms)) + randrkms


def label_ticket_tgk(const, cs_id, randri, randrr):
    return u32(const) + u8(cs_id) + b"\xff" * 4 + b"\x03" + u8(len(randri)) + randri + u8(len(randrr)) + randrr


def label_fixed(const, tag, rand=None):
    lab = u32(const) + b"\xff" + b"\xff" * 4 + u8(tag)
    if rand is not None:
        lab += u8(len(rand)) + rand
    return lab


def aes_cm(key, salt, csb_id, t64, data):
    mix = b"\x00\x00" + u32(csb_id) + struct.pack(">Q", t64)
    iv = bytes(a ^ b for a, b in zip(salt, mix)) + b"\x00\x00"
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return iv, enc.update(data) + enc.finalize()


def hmac_alg(alg, key, data):
    return hmac.new(key, data, hashlib.sha1 if alg == 1 else hashlib.sha256).digest()


class Out:
    def __init__(self):
        self.lines = []
        self.n = 0

    def arr(self, data):
        name = "kat_b%d" % self.n
        self.n += 1
        body = ", ".join("0x%02x" % b for b in data) if data else "0"
        self.lines.append("static const uint8_t %s[] = { %s };" % (name, body))
        return "%s, %d" % (name, len(data))

    def emit(self, line):
        self.lines.append(line)


def c_str(s):
    return '"' + s + '"'


def gen_prf(o):
    rows = []
    for func in (0, 1):
        for inlen in (16, 32, 33, 64):
            inkey = seq(0x01, inlen)
            label = label_3830(C_TEK, 1, 0x01020304, seq(0x10, 16))
            for outlen in (14, 16, 20, 32, 33, 64):
                rows.append("\t{ %d, %s, %s, %s }," % (
                    func, o.arr(inkey), o.arr(label), o.arr(prf(func, inkey, label, outlen))))
    o.emit("static const struct kat_prf kat_prf[] = {")
    o.lines += rows
    o.emit("};")


def gen_derive(o):
    rows = []

    def row(name, kind, func, key, inkey, csb, cs_id, r1, r2, direction, idrr, label, outlen):
        out = prf(func, inkey, label, outlen)
        rows.append("\t{ %s, '%s', %d, %d, %s, 0x%08xu, %d, %s, %s, %d, %s, %s, %s }," % (
            c_str(name), kind, func, key, o.arr(inkey), csb, cs_id, o.arr(r1), o.arr(r2),
            direction, o.arr(idrr), o.arr(label), o.arr(out)))
        return out

    tgk16, tgk32 = seq(0x00, 16), seq(0x00, 32)
    rand = seq(0x10, 16)
    psk = seq(0x20, 16)
    mpki = seq(0x40, 32)
    randri, randrr = seq(0x10, 16), seq(0x30, 16)
    idrr = b"sip:bob-phone@example.org"
    randrkms = seq(0x90, 16)

    for func in (0, 1):
        for kname, (k, const) in TGK_KEYS.items():
            outlen = {"tek": 16, "salt": 14, "encr": 16, "auth": 20}[kname]
            row("A %s prf%d" % (kname, func), "A", func, k, tgk16, 0x01020304, 1, rand, b"", 0, b"",
                label_3830(const, 1, 0x01020304, rand), outlen)
        for kname, (k, const) in MSG_KEYS.items():
            outlen = {"encr": 16, "auth": 20, "salt": 14}[kname]
            row("B %s prf%d" % (kname, func), "B", func, k, psk, 0x01020304, 0, rand, b"", 0, b"",
                label_3830(const, 0xFF, 0x01020304, rand), outlen)
    for direction, kind in ((1, "C"), (2, "D")):
        for func in (0, 1):
            for ri, rr in ((randri, b""), (b"", randrr), (randri, randrr)):
                for kname, (k, const) in MSG_KEYS.items():
                    outlen = {"encr": 16, "auth": 20 if func == 0 else 32, "salt": 14}[kname]
                    row("%s %s prf%d ri%d rr%d" % (kind, kname, func, len(ri), len(rr)), kind, func, k,
                        mpki, 0x01020304, 0, ri, rr, direction, b"",
                        label_ticket_msg(const, 0x01020304, direction, ri, rr), outlen)
    for func in (0, 1):
        for kname, k, const, inkey in (("mpkr", 0, C_FORK_MPKR, seq(0x80, 32)), ("tgk", 1, C_FORK_TGK, tgk16),
                                       ("tgk32", 1, C_FORK_TGK, tgk32)):
            row("E %s prf%d" % (kname, func), "E", func, k, inkey, 0, 0, randrkms, b"", 0, idrr,
                label_fork(const, idrr, randrkms), len(inkey))
    for func in (0, 1):
        for ri, rr in ((randri, randrr), (randri, b""), (b"", randrr)):
            for kname, (k, const) in TGK_KEYS.items():
                outlen = {"tek": 16, "salt": 14, "encr": 16, "auth": 20}[kname]
                row("F %s prf%d ri%d rr%d" % (kname, func, len(ri), len(rr)), "F", func, k, tgk16, 0, 2,
                    ri, rr, 0, b"", label_ticket_tgk(const, 2, ri, rr), outlen)
    for func in (0, 1):
        for kname, (k, const) in MSG_KEYS.items():
            row("G %s prf%d" % (kname, func), "G", func, k, seq(0x80, 32), 0, 0, b"", b"", 0, b"",
                label_fixed(const, 4), 32 if kname == "auth" else 16)
            row("H %s prf%d" % (kname, func), "H", func, k, seq(0xc0, 16), 0, 0, rand, b"", 0, b"",
                label_fixed(const, 5, rand), {"encr": 16, "auth": 20, "salt": 14}[kname])
        for kname, k, const in (("mpki", 0, C_MPKI), ("mpkr", 1, C_MPKR)):
            row("I %s prf%d" % (kname, func), "I", func, k, seq(0xe0, 32), 0, 0, rand, b"", 0, b"",
                label_fixed(const, 6, rand), 32)

    o.emit("static const struct kat_derive kat_derive[] = {")
    o.lines += rows
    o.emit("};")


def gen_kemac(o):
    rows = []
    plain = bytes([20, 0x01, 0, 16]) + seq(0x00, 16) + bytes([0x01, 0x01]) + bytes([0, 0x01, 0, 16]) + seq(0xa0, 16)
    for alg, key in ((1, seq(0x50, 16)), (3, seq(0x50, 32))):
        for csb, t64 in ((0x01020304, 0xE1F2A3B4C5D6E7F8), (0xFFFFFFFF, 0xE1F2A3B400000000), (0x01020304, 0x12345678)):
            salt = seq(0x70, 14)
            iv, ct = aes_cm(key, salt, csb, t64, plain)
            rows.append("\t{ %d, %s, %s, 0x%08xu, 0x%016xull, %s, %s, %s }," % (
                alg, o.arr(key), o.arr(salt), csb, t64, o.arr(iv), o.arr(plain), o.arr(ct)))
    o.emit("static const struct kat_kemac kat_kemac[] = {")
    o.lines += rows
    o.emit("};")


def gen_mac(o):
    rows = []
    for alg, key in ((1, seq(0x0b, 20)), (2, seq(0x0b, 32))):
        for parts in ((b"Hi There",), (b"MIKEY ", b"", b"message", b" with identities"), (b"",)):
            data = b"".join(parts)
            ranges = ", ".join("{ %s }" % o.arr(p) for p in parts)
            rows.append("\t{ %d, %s, %d, { %s }, %s }," % (
                alg, o.arr(key), len(parts), ranges, o.arr(hmac_alg(alg, key, data))))
    o.emit("static const struct kat_mac kat_mac[] = {")
    o.lines += rows
    o.emit("};")


# ---- MIKEY-TICKET example messages ----

PT_KEMAC, PT_T, PT_V, PT_IDR, PT_RANDR, PT_TP, PT_TICKET = 1, 5, 9, 14, 15, 16, 17


class Msg:
    """A message under construction: bytes plus an index of its payloads."""

    def __init__(self, data_type, v, prf_func, csb_id, map_type, map_info, n_cs):
        self.b = bytearray([1, data_type, 0, (0x80 if v else 0) | prf_func]) + u32(csb_id) + bytes([n_cs, map_type])
        self.b += map_info
        self.np = 2
        self.index = []

    def add(self, ptype, body, role=0, field=(0, 0)):
        """Append NP || body; field is (offset in body, length) of the ID Data, MAC or Initiator Data length."""
        self.b[self.np] = ptype
        start = len(self.b)
        self.np = start
        self.b += b"\x00" + body
        off = start + 1 + field[0] if field[1] or field[0] else 0
        self.index.append((ptype, role, start, 1 + len(body), off, field[1]))
        return start

    def t(self, ts):
        self.add(PT_T, b"\x00" + struct.pack(">Q", ts))

    def randr(self, role, rand):
        self.add(PT_RANDR, u8(role) + u8(len(rand)) + rand, role)

    def idr(self, role, data):
        self.add(PT_IDR, u8(role) + b"\x01" + u16(len(data)) + data, role, (4, len(data)))

    def v(self, alg):
        n = 20 if alg == 1 else 32
        return self.add(PT_V, u8(alg) + bytes(n), 0, (1, n)) + 2

    def kemac(self, encr_alg, encr):
        self.add(PT_KEMAC, u8(encr_alg) + u16(len(encr)) + encr + b"\x00")


def policy_bytes(prf_func, flags):
    bits = (prf_func << 17) | (flags << 5)
    return u16(1) + b"\x01\x01" + struct.pack(">I", bits)[1:]


FLAG = {c: 1 << (11 - i) for i, c in enumerate("DEFGHIJKLMNO")}


def flags_of(s):
    v = 0
    for c in s:
        v |= FLAG[c]
    return v


def tp_body(prf_func, flags):
    return policy_bytes(prf_func, flags) + u16(1) + b"\x00"


def ticket_body(prf_func, flags, ticket_data, initiator_data):
    return (policy_bytes(prf_func, flags) + u16(1) + b"\x00" + u16(len(ticket_data)) + ticket_data
            + u16(len(initiator_data)) + initiator_data)


def generic_id_map(ssrc):
    return bytes([1, 0, 0x01, 0]) + u16(4) + u32(ssrc) + bytes([1, 0x01])


def key_data(ktype, key, spi, last):
    return u8(0 if last else 20) + u8((ktype << 4) | 1) + u16(len(key)) + key + u8(len(spi)) + spi


def set_mac(m, mac_off, mac):
    m.b[mac_off:mac_off + len(mac)] = mac


def gen_messages(o):
    psk_i, psk_r = seq(0x60, 16), seq(0x70, 16)
    mpki, mpkr, tgk = seq(0x40, 32), seq(0x80, 32), seq(0x00, 16)
    id_i, id_r = b"sip:alice@example.org", b"sip:bob@example.org"
    id_r_forked, id_kms = b"sip:bob-phone@example.org", b"kms.example.org"
    randri_req, randri, randrr, randrkms = seq(0x20, 16), seq(0x10, 16), seq(0x30, 16), seq(0x90, 16)
    flags = flags_of("DEFGHINO")
    ts = {"req": 0xE9A1B2C300000000, "transfer": 0xE9A1B2C400000000, "resolve": 0xE9A1B2C500000000}
    ticket_data = seq(0xd0, 24)
    msgs = []

    def record(name, m, mac_off, mac_input, key, alg, id1=b"", id2=b"", other=b""):
        mac = hmac_alg(alg, key, mac_input)
        set_mac(m, mac_off, mac)
        msgs.append((name, m, mac_input, key, alg, mac, id1, id2, other))
        return mac

    # REQUEST_INIT_PSK without IDRkms: the caller supplies Identity_kms.
    m = Msg(11, True, 0, 0x0A0B0C0D, 1, b"", 0)
    m.t(ts["req"])
    m.randr(1, randri_req)
    m.idr(1, id_i)
    m.add(PT_TP, tp_body(1, flags))
    mac_off = m.v(1)
    key = prf(0, psk_i, label_ticket_msg(C_AUTH, 0x0A0B0C0D, 1, randri_req, b""), 20)
    record("REQUEST_INIT_PSK", m, mac_off, bytes(m.b[:mac_off]) + id_i + id_kms, key, 1, id_i, id_kms)
    request_init = bytes(m.b)

    # REQUEST_RESP with an AES-CM-128 KEMAC of MPKi || MPKr || TGK (NULL MAC).
    m = Msg(13, False, 0, 0x0A0B0C0D, 1, b"", 0)
    m.t(ts["req"] + 1)
    m.idr(3, id_kms)
    m.add(PT_TICKET, ticket_body(1, flags, ticket_data, b""), 0, (ticket_off_idl := 2 + 3 + 2 + 1 + 2 + 24, 0))
    plain = key_data(6, mpki, b"\x01", False) + key_data(6, mpkr, b"\x02", False) + key_data(0, tgk, b"\x03", True)
    encr_key = prf(0, psk_i, label_ticket_msg(C_ENCR, 0x0A0B0C0D, 2, randri_req, b""), 16)
    salt_key = prf(0, psk_i, label_ticket_msg(C_SALT, 0x0A0B0C0D, 2, randri_req, b""), 14)
    _, encr = aes_cm(encr_key, salt_key, 0x0A0B0C0D, ts["req"] + 1, plain)
    m.kemac(1, encr)
    mac_off = m.v(1)
    key = prf(0, psk_i, label_ticket_msg(C_AUTH, 0x0A0B0C0D, 2, randri_req, b""), 20)
    record("REQUEST_RESP", m, mac_off, bytes(m.b[:mac_off]) + request_init, key, 1, other=request_init)
    kemac_vector = (encr_key, salt_key, 0x0A0B0C0D, ts["req"] + 1, plain, encr)

    # TRANSFER_INIT with key forking; the Initiator Data (Vi, Vr) is outside its MAC.
    def transfer_init(initiator_data):
        t = Msg(14, True, 1, 0x01020304, 2, generic_id_map(0x11223344), 1)
        t.t(ts["transfer"])
        t.randr(1, randri)
        t.idr(1, id_i)
        t.idr(2, id_r)
        body = ticket_body(1, flags, ticket_data, initiator_data)
        idl_off = len(body) - 2 - len(initiator_data)
        start = t.add(PT_TICKET, body, 0, (idl_off, 2 + len(initiator_data)))
        return t, start + 1 + idl_off, start + 1 + len(body)

    auth_i = prf(1, mpki, label_ticket_msg(C_AUTH, 0x01020304, 1, randri, b""), 32)
    t0, idl, tend = transfer_init(b"")
    off0 = t0.v(2)
    vi_mac = hmac_alg(2, auth_i, bytes(t0.b[:idl]) + bytes(t0.b[tend:off0]) + id_i + id_r)
    vr_key = prf(1, mpkr, label_fixed(C_AUTH, 4), 32)
    init_data = bytearray(b"\x09" + b"\x09\x02" + vi_mac + b"\x00\x02" + bytes(32))
    vr_mac = hmac_alg(2, vr_key, bytes(init_data[:-32]))
    init_data[-32:] = vr_mac
    m, idl, tend = transfer_init(bytes(init_data))
    mac_off = m.v(2)
    mac_input = bytes(m.b[:idl]) + bytes(m.b[tend:mac_off]) + id_i + id_r
    record("TRANSFER_INIT", m, mac_off, mac_input, auth_i, 2, id_i, id_r)
    assert msgs[-1][5] == vi_mac
    transfer_init_bytes = bytes(m.b)
    ticket_payload = bytes(m.b[m.index[4][2]:m.index[4][2] + m.index[4][3]])

    # TRANSFER_RESP protected with the forked MPKr'.
    mpkr_f = prf(1, mpkr, label_fork(C_FORK_MPKR, id_r_forked, randrkms), 32)
    tgk_f = prf(1, tgk, label_fork(C_FORK_TGK, id_r_forked, randrkms), 16)
    m = Msg(15, False, 1, 0x01020304, 2, generic_id_map(0x11223344), 1)
    m.t(ts["transfer"] + 1)
    m.randr(2, randrr)
    m.idr(2, id_r_forked)
    m.randr(3, randrkms)
    mac_off = m.v(2)
    auth_r = prf(1, mpkr_f, label_ticket_msg(C_AUTH, 0x01020304, 2, randri, randrr), 32)
    record("TRANSFER_RESP", m, mac_off, bytes(m.b[:mac_off]) + transfer_init_bytes, auth_r, 2,
           other=transfer_init_bytes)
    transfer_resp_bytes = bytes(m.b)

    # RESOLVE_INIT_PSK carrying the ticket, keyed with RANDRr only.
    m = Msg(16, True, 0, 0x55667788, 1, b"", 0)
    m.t(ts["resolve"])
    m.randr(2, randrr)
    m.idr(2, id_r_forked)
    m.idr(3, id_kms)
    m.b[m.np] = PT_TICKET
    idl_in_payload = len(ticket_payload) - 2 - len(init_data)
    m.index.append((PT_TICKET, 0, len(m.b), len(ticket_payload), len(m.b) + idl_in_payload, 2 + len(init_data)))
    m.np = len(m.b)
    m.b += b"\x00" + ticket_payload[1:]
    mac_off = m.v(1)
    key = prf(0, psk_r, label_ticket_msg(C_AUTH, 0x55667788, 1, b"", randrr), 20)
    record("RESOLVE_INIT_PSK", m, mac_off, bytes(m.b[:mac_off]) + id_r_forked + id_kms, key, 1,
           id_r_forked, id_kms)
    resolve_init = bytes(m.b)

    # RESOLVE_RESP with MPKi || MPKr' || TGK'.
    m = Msg(18, False, 0, 0x55667788, 1, b"", 0)
    m.t(ts["resolve"] + 1)
    m.idr(3, id_kms)
    plain = key_data(6, mpki, b"\x01", False) + key_data(6, mpkr_f, b"\x04", False) + key_data(0, tgk_f, b"\x05", True)
    encr_key = prf(0, psk_r, label_ticket_msg(C_ENCR, 0x55667788, 2, b"", randrr), 16)
    salt_key = prf(0, psk_r, label_ticket_msg(C_SALT, 0x55667788, 2, b"", randrr), 14)
    _, encr = aes_cm(encr_key, salt_key, 0x55667788, ts["resolve"] + 1, plain)
    m.kemac(1, encr)
    m.idr(2, id_r_forked)
    m.randr(3, randrkms)
    mac_off = m.v(1)
    key = prf(0, psk_r, label_ticket_msg(C_AUTH, 0x55667788, 2, b"", randrr), 20)
    record("RESOLVE_RESP", m, mac_off, bytes(m.b[:mac_off]) + resolve_init, key, 1, other=resolve_init)

    for name, msg, mac_input, key, alg, mac, id1, id2, other in msgs:
        idx = ", ".join("{ %d, %d, %d, %d, %d, %d }" % e for e in msg.index)
        o.emit("static const struct kat_payload kat_idx_%s[] = { %s };" % (name.lower(), idx))
    rows = []
    for name, msg, mac_input, key, alg, mac, id1, id2, other in msgs:
        rows.append("\t{ %s, %s, kat_idx_%s, %d, %s, %s, %s, %s, %s, %d, %s }," % (
            c_str(name), o.arr(bytes(msg.b)), name.lower(), len(msg.index), o.arr(id1), o.arr(id2),
            o.arr(other), o.arr(mac_input), o.arr(key), alg, o.arr(mac)))
    o.emit("static const struct kat_ticket_msg kat_ticket_msg[] = {")
    o.lines += rows
    o.emit("};")

    tek = prf(1, tgk_f, label_ticket_tgk(C_TEK, 1, randri, randrr), 16)
    salt = prf(1, tgk_f, label_ticket_tgk(C_TGK_SALT, 1, randri, randrr), 14)
    o.emit("/* Keys of the TRANSFER example (PRF-HMAC-SHA-256, CS ID 1, H = G = 1, forked TGK'). */")
    line = "static const struct kat_transfer_keys kat_transfer_keys = { %s, %s, %s, %s, %s, %s, %s, %s, %s, %s };" % (
        o.arr(mpki), o.arr(mpkr), o.arr(mpkr_f), o.arr(tgk), o.arr(tgk_f), o.arr(tek), o.arr(salt),
        o.arr(id_r_forked), o.arr(randrkms), o.arr(transfer_resp_bytes))
    o.emit(line)
    encr_key, salt_key, csb, t64, plain, encr = kemac_vector
    o.emit("/* KEMAC of the REQUEST_RESP example: AES-CM-128 of MPKi || MPKr || TGK. */")
    line = "static const struct kat_kemac kat_request_resp_kemac = { 1, %s, %s, 0x%08xu, 0x%016xull, %s, %s, %s };" % (
        o.arr(encr_key), o.arr(salt_key), csb, t64, o.arr(b""), o.arr(plain), o.arr(encr))
    o.emit(line)
    return transfer_init_bytes, transfer_resp_bytes


HEADER = """/* SPDX-License-Identifier: BSD-3-Clause */
/* Generated by tests/kat/gen_mikey_kat.py; do not edit. */
#ifndef LIME_MIKEY_KAT_H
#define LIME_MIKEY_KAT_H

#include <stddef.h>
#include <stdint.h>

#define KAT_BYTES(name) name, sizeof(name)

struct kat_prf {
	int prf_func;
	const uint8_t *inkey; size_t inkey_len;
	const uint8_t *label; size_t label_len;
	const uint8_t *out; size_t out_len;
};

/* kind is the label construction: A/B RFC 3830, C/D RFC 6043 initial/response
 * message keys, E forking, F ticket TGK keys, G Vr, H TPK, I MPK. key is the
 * enum mikey_tgk_key, mikey_msg_key, mikey_fork_key or mikey_mpk_key value. */
struct kat_derive {
	const char *name;
	char kind;
	int prf_func;
	int key;
	const uint8_t *inkey; size_t inkey_len;
	uint32_t csb_id;
	uint8_t cs_id;
	const uint8_t *rand1; size_t rand1_len;   /* RAND, RANDRi or RANDRkms */
	const uint8_t *rand2; size_t rand2_len;   /* RANDRr */
	int direction;
	const uint8_t *idrr; size_t idrr_len;
	const uint8_t *label; size_t label_len;
	const uint8_t *out; size_t out_len;
};

struct kat_kemac {
	int encr_alg;
	const uint8_t *key; size_t key_len;
	const uint8_t *salt; size_t salt_len;
	uint32_t csb_id;
	uint64_t t64;
	const uint8_t *iv; size_t iv_len;
	const uint8_t *plain; size_t plain_len;
	const uint8_t *cipher; size_t cipher_len;
};

struct kat_range { const uint8_t *data; size_t len; };

struct kat_mac {
	int mac_alg;
	const uint8_t *key; size_t key_len;
	size_t n_ranges;
	struct kat_range ranges[4];
	const uint8_t *mac; size_t mac_len;
};

/* One payload of an example message. field_offset/field_len locate the ID
 * Data of an IDR, the MAC of a V, or the Initiator Data length and data of
 * a TICKET (from the start of the message). */
struct kat_payload {
	uint8_t type;
	uint8_t role;
	size_t offset;
	size_t len;
	size_t field_offset;
	size_t field_len;
};

struct kat_ticket_msg {
	const char *name;
	const uint8_t *msg; size_t msg_len;
	const struct kat_payload *payloads; size_t n_payloads;
	const uint8_t *identity1; size_t identity1_len;   /* initial messages */
	const uint8_t *identity2; size_t identity2_len;
	const uint8_t *initial; size_t initial_len;       /* response messages */
	const uint8_t *mac_input; size_t mac_input_len;
	const uint8_t *key; size_t key_len;
	int mac_alg;
	const uint8_t *mac; size_t mac_len;
};

struct kat_transfer_keys {
	const uint8_t *mpki; size_t mpki_len;
	const uint8_t *mpkr; size_t mpkr_len;
	const uint8_t *mpkr_forked; size_t mpkr_forked_len;
	const uint8_t *tgk; size_t tgk_len;
	const uint8_t *tgk_forked; size_t tgk_forked_len;
	const uint8_t *tek; size_t tek_len;
	const uint8_t *salt; size_t salt_len;
	const uint8_t *idrr; size_t idrr_len;
	const uint8_t *randrkms; size_t randrkms_len;
	const uint8_t *transfer_resp; size_t transfer_resp_len;
};
"""


def main():
    o = Out()
    gen_prf(o)
    gen_derive(o)
    gen_kemac(o)
    gen_mac(o)
    init, resp = gen_messages(o)
    sys.stdout.write(HEADER + "\n" + "\n".join(o.lines) + "\n\n#endif\n")
    if len(sys.argv) > 1 and sys.argv[1] == "--hex":
        sys.stderr.write("TRANSFER_INIT %s\nTRANSFER_RESP %s\n" % (init.hex(), resp.hex()))


if __name__ == "__main__":
    main()

"""SRTP protection (RFC 3711, AES_CM_128_HMAC_SHA1_80) for test captures.

Only what the generators need: key derivation with a key derivation rate
of 0, AES counter mode and the HMAC-SHA1 tag of RTP packets with a
12-byte header. Checked against the key derivation vectors of RFC 3711
appendix B.3 when run as a program.
"""

import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def keystream(key, iv, length):
    encryptor = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return encryptor.update(bytes(length)) + encryptor.finalize()


def session_key(master_key, master_salt, label, length):
    """RFC 3711 section 4.3.1 with key_derivation_rate 0."""
    x = int.from_bytes(master_salt, "big") ^ (label << 48)
    return keystream(master_key, (x << 16).to_bytes(16, "big"), length)


class Sender:
    """One SRTP sender under one master key and salt (30 bytes)."""

    def __init__(self, key_salt):
        master_key, master_salt = key_salt[:16], key_salt[16:30]
        self.cipher_key = session_key(master_key, master_salt, 0, 16)
        self.auth_key = session_key(master_key, master_salt, 1, 20)
        self.salt = session_key(master_key, master_salt, 2, 14)

    def protect(self, packet, roc=0):
        header, payload = packet[:12], packet[12:]
        seq = struct.unpack("!H", header[2:4])[0]
        ssrc = struct.unpack("!I", header[8:12])[0]
        index = (roc << 16) | seq
        iv = ((int.from_bytes(self.salt, "big") << 16) ^ (ssrc << 64) ^ (index << 16))
        stream = keystream(self.cipher_key, iv.to_bytes(16, "big"), len(payload))
        encrypted = bytes(a ^ b for a, b in zip(payload, stream))
        tag = hmac.new(self.auth_key, header + encrypted + struct.pack("!I", roc),
                       hashlib.sha1).digest()[:10]
        return header + encrypted + tag


if __name__ == "__main__":
    key = bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139")
    salt = bytes.fromhex("0EC675AD498AFEEBB6960B3AABE6")
    assert session_key(key, salt, 0, 16).hex().upper() == "C61E7A93744F39EE10734AFE3FF7A087"
    assert session_key(key, salt, 2, 14).hex().upper() == "30CBBC08863D8C85D49DB34A9AE1"
    print("RFC 3711 B.3 vectors: ok")

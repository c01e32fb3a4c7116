#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Misbehaving agency peers for tests/integration/delivery_cases.sh.

Usage:
  lea_peers.py silent PORT PORT
      accept connections and never read or send, like a hung agency
  lea_peers.py garbage PORT PORT
      send bytes that are not a PS-PDU on every connection
  lea_peers.py reset-proxy PORT PORT TARGET_PORT TARGET_PORT BYTES
      forward each port to its target on 127.0.0.1; the first connection
      of each port is reset (RST) after BYTES bytes from the client
  lea_peers.py tls-proxy PORT PORT TARGET_PORT TARGET_PORT CERT KEY
      terminate TLS with CERT and KEY and forward the plain bytes

Listens on 127.0.0.1 and runs until killed. Prints "ready" once listening.
Standard library only.
"""

import socket
import ssl
import struct
import sys
import threading


def listen(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    return s


def serve(sock, handler):
    def loop():
        n = 0
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=handler, args=(conn, n), daemon=True).start()
            n += 1

    threading.Thread(target=loop, daemon=True).start()


def silent(conn, n):
    # Keep the socket open without reading; the kernel still completes the
    # TCP handshake and buffers what arrives.
    threading.Event().wait()


def garbage(conn, n):
    try:
        conn.sendall(b"\x04garbage that is not a PS-PDU\r\n")
        while conn.recv(65536):
            pass
    except OSError:
        pass


def reset(conn):
    # SO_LINGER with a zero timeout makes close() send RST.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def pump(src, dst, limit=None, on_limit=None):
    sent = 0
    try:
        while True:
            data = src.recv(65536 if limit is None else max(1, min(65536, limit - sent)))
            if not data:
                break
            dst.sendall(data)
            sent += len(data)
            if limit is not None and sent >= limit:
                on_limit()
                return
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def forwarder(target_port, reset_after=None, wrap=None):
    def handle(conn, n):
        try:
            if wrap is not None:
                conn = wrap(conn)
            upstream = socket.create_connection(("127.0.0.1", target_port))
        except OSError:
            conn.close()
            return
        limit = reset_after if (reset_after is not None and n == 0) else None

        def cut():
            reset(conn)
            upstream.close()

        threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()
        pump(conn, upstream, limit, cut)

    return handle


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    if mode in ("silent", "garbage") and len(argv) == 4:
        handler = silent if mode == "silent" else garbage
        for port in argv[2:4]:
            serve(listen(int(port)), handler)
    elif mode == "reset-proxy" and len(argv) == 7:
        for port, target in ((argv[2], argv[4]), (argv[3], argv[5])):
            serve(listen(int(port)), forwarder(int(target), reset_after=int(argv[6])))
    elif mode == "tls-proxy" and len(argv) == 8:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(argv[6], argv[7])
        wrap = lambda c: ctx.wrap_socket(c, server_side=True)
        for port, target in ((argv[2], argv[4]), (argv[3], argv[5])):
            serve(listen(int(port)), forwarder(int(target), wrap=wrap))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print("ready", flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

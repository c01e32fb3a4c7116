#!/usr/bin/python3
"""A KMS that misbehaves in one chosen way, for lime's error handling tests.

Usage: misbehaving_kms.py MODE CERT KEY PORT_FILE

Listens with TLS on 127.0.0.1 at a free port, writes the port to
PORT_FILE, and responds to every HTTP request as MODE sets:

  garbage    200 application/mikey with random bytes
  bad_mac    200 with a RESOLVE_RESP for the request whose V MAC is wrong
  http_500   500 Internal Server Error
  silent     reads the request and never responds
  cut        sends part of a 200 response, then closes the connection

It runs until killed. Each connection is served by its own thread.
"""

import os
import socket
import ssl
import struct
import sys
import threading
import time

DT_RESOLVE_RESP = 18
PT_T, PT_V = 5, 9
MAP_EMPTY = 1
AUTH_HMAC_SHA_256 = 2


def read_request(conn):
    """Return the body of one HTTP request, or None when the peer left."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        body += chunk
    return body[:length]


def bad_mac_response(request):
    """A RESOLVE_RESP with the request's CSB ID and PRF func, a T, and a
    V whose MAC is random: well formed, but it cannot verify."""
    prf_byte, csb_id = request[3], request[4:8]
    hdr = bytes([1, DT_RESOLVE_RESP, PT_T, prf_byte]) + csb_id + bytes([0, MAP_EMPTY])
    seconds = int(time.time()) + 2208988800
    t = bytes([PT_V, 0]) + struct.pack("!II", seconds, 0)
    v = bytes([0, AUTH_HMAC_SHA_256]) + os.urandom(32)
    return hdr + t + v


def response(status, body):
    head = "HTTP/1.1 %s\r\nContent-Type: application/mikey\r\nContent-Length: %d\r\n\r\n" % (
        status, len(body))
    return head.encode() + body


def serve(conn, mode):
    try:
        while True:
            request = read_request(conn)
            if request is None:
                return
            if mode == "garbage":
                conn.sendall(response("200 OK", os.urandom(64)))
            elif mode == "bad_mac":
                conn.sendall(response("200 OK", bad_mac_response(request)))
            elif mode == "http_500":
                conn.sendall(response("500 Internal Server Error", b""))
            elif mode == "silent":
                time.sleep(3600)
            elif mode == "cut":
                conn.sendall(response("200 OK", os.urandom(100))[:80])
                conn.shutdown(socket.SHUT_RDWR)
                return
    except (OSError, ssl.SSLError):
        return
    finally:
        conn.close()


def main():
    mode, cert, key, port_file = sys.argv[1:5]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % listener.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    while True:
        raw, _ = listener.accept()
        try:
            conn = context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=serve, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()

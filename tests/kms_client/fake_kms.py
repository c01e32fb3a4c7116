#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Misbehaving KMS servers on 127.0.0.1 for tests/integration/kms_client_cases.sh.

    fake_kms.py silent
        Accepts TCP connections and never sends a byte: no TLS handshake,
        no response.
    fake_kms.py chunked CERT KEY
        Completes TLS, reads each request, and responds 200 with a chunked
        body, which the KMS client must reject.
    fake_kms.py once CERT KEY
        Completes TLS and responds to the first request of each connection
        with 200, keeping the connection alive. When the next request
        arrives, it closes the connection without responding. This is a
        keep-alive connection that the server drops just as the client
        reuses it.

Listens on a free port of 127.0.0.1 and prints "listening PORT" once it
accepts connections. Runs until killed.
"""
import socket
import ssl
import sys
import threading

CHUNKED_RESPONSE = (b"HTTP/1.1 200 OK\r\n"
                  b"Content-Type: application/mikey\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n"
                  b"5\r\nhello\r\n0\r\n\r\n")


def read_request(conn):
    """Reads one request head and its Content-Length body; False at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            return False
        body += chunk
    return True


ONCE_RESPONSE = (b"HTTP/1.1 200 OK\r\n"
               b"Content-Type: application/mikey\r\n"
               b"Content-Length: 4\r\n\r\n"
               b"once")


def serve_chunked(conn):
    try:
        while read_request(conn):
            conn.sendall(CHUNKED_RESPONSE)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def serve_once(conn):
    try:
        if read_request(conn):
            conn.sendall(ONCE_RESPONSE)
            read_request(conn)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode not in ("silent", "chunked", "once") or (mode != "silent" and len(sys.argv) != 4):
        sys.exit(__doc__)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    context = None
    if mode != "silent":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
    print("listening", listener.getsockname()[1], flush=True)

    open_connections = []
    while True:
        conn, _ = listener.accept()
        if mode == "silent":
            open_connections.append(conn)   # kept open, never responded to
            continue
        try:
            tls = context.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            continue
        serve = serve_chunked if mode == "chunked" else serve_once
        threading.Thread(target=serve, args=(tls,), daemon=True).start()


if __name__ == "__main__":
    main()

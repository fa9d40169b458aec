#!/usr/bin/env python3
"""silent_server.py MODE [CERT KEY] - a listener that never answers, for timeouts.

MODE tcp: accepts TCP connections and never speaks (no TLS handshake).
MODE tls: completes the TLS handshake with CERT/KEY (asking for no client
certificate) and then never answers the request.
Prints the port on the first line, then serves until killed.
"""
import socket
import ssl
import sys
import threading
import time

mode = sys.argv[1]
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
held = []

context = None
if mode == "tls":
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])


def hold(conn):
    try:
        if context is not None:
            conn = context.wrap_socket(conn, server_side=True)
        held.append(conn)
        while True:
            time.sleep(60)
    except OSError:
        pass


while True:
    conn, _ = listener.accept()
    threading.Thread(target=hold, args=(conn,), daemon=True).start()

#!/usr/bin/env python3
"""canned_gateway.py DIR CERT KEY CA - canned answers over mutual TLS, for the
client's tests of what refgwd does not serve yet (SPEC §10: body_cms and
encryption_certs).

Reads its answers from DIR on every request, so a test changes them between
calls by rewriting files:
  DIR/directory.json   the answer to GET /v1/directory
  DIR/inbox.json       the answer to GET /v1/inbox (any query)
  DIR/post-mode        optional: "ok" (default), "503-once" (the next POST gets
                       503 unavailable, then "ok"), or "drop" (close without an
                       answer)
Records: every request as a line "METHOD PATH CN" in DIR/requests, each POSTed
referral as DIR/posts/N.json (N = 1, 2, ...), each acknowledged id as a line
of DIR/acks. A POST answers 202 {"id": "FAKE...", "status": "queued"}; an ack
200. Clients must present a certificate signed by CA. Prints the port on the
first line, then serves until killed.
"""
import json
import os
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

folder, cert, key, ca = sys.argv[1:5]
lock = threading.Lock()


def path_of(name):
    return os.path.join(folder, name)


def read(name, default=None):
    try:
        with open(path_of(name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return default


def record(name, line):
    with lock, open(path_of(name), "a") as f:
        f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def peer_cn(self):
        subject = self.connection.getpeercert().get("subject", ())
        return next((v for rdn in subject for k, v in rdn if k == "commonName"), "?")

    def answer(self, status, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        record("requests", f"GET {self.path} {self.peer_cn()}")
        if self.path == "/v1/directory":
            self.answer(200, read("directory.json", b'{"organisations": []}'))
        elif self.path.startswith("/v1/inbox"):
            self.answer(200, read("inbox.json", b'{"referrals": []}'))
        else:
            self.answer(404, {"error": {"code": "not_found", "message": "not here"}})

    def do_POST(self):
        record("requests", f"POST {self.path} {self.peer_cn()}")
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/v1/referrals":
            mode = (read("post-mode", b"ok") or b"ok").decode().strip()
            with lock:
                os.makedirs(path_of("posts"), exist_ok=True)
                n = len(os.listdir(path_of("posts"))) + 1
                with open(path_of(f"posts/{n}.json"), "wb") as f:
                    f.write(body)
            if mode == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if mode == "503-once":
                with open(path_of("post-mode"), "w") as f:
                    f.write("ok")
                self.answer(503, {"error": {"code": "unavailable", "message": "busy"}})
                return
            self.answer(202, {"id": f"FAKE{n:020d}", "status": "queued"})
        elif self.path.startswith("/v1/inbox/") and self.path.endswith("/ack"):
            ref = self.path[len("/v1/inbox/"):-len("/ack")]
            record("acks", ref)
            self.answer(200, {"id": ref, "status": "acknowledged"})
        else:
            self.answer(404, {"error": {"code": "not_found", "message": "not here"}})


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
context.load_verify_locations(ca)
context.verify_mode = ssl.CERT_REQUIRED
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()

#!/usr/bin/env python3
"""notify_check.py REFGWD CONFIG SOCKET: refgwd's sd_notify(3) messages.

Listens on a Unix datagram socket at SOCKET, as systemd does for a
Type=notify service, starts `REFGWD --config CONFIG` with NOTIFY_SOCKET
pointing at it, and checks, in order:

  - READY=1 arrives, and only once the line "refgwd: listening on ..." has
    been written (stderr is drained before each message is looked at);
  - on SIGHUP: RELOADING=1 with a MONOTONIC_USEC of CLOCK_MONOTONIC now,
    then READY=1, and "configuration reloaded" on stderr;
  - on SIGHUP with a configuration that does not load: RELOADING=1, then
    READY=1 all the same (the old configuration stays), and "reload failed";
  - on SIGTERM: STOPPING=1, then exit status 0.

Prints one line per failed check and exits 1 if any failed.
"""
import os
import select
import signal
import socket
import subprocess
import sys
import time

TIMEOUT = 20.0


class Gateway:
    def __init__(self, refgwd, config, sock_path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(sock_path)
        env = dict(os.environ, NOTIFY_SOCKET=sock_path)
        self.proc = subprocess.Popen([refgwd, "--config", config], env=env,
                                     stderr=subprocess.PIPE)
        os.set_blocking(self.proc.stderr.fileno(), False)
        self.stderr = b""
        self.timed_out = False

    def drain_stderr(self):
        while True:
            try:
                chunk = os.read(self.proc.stderr.fileno(), 65536)
            except BlockingIOError:
                return
            if not chunk:
                return
            self.stderr += chunk

    def next_message(self):
        """The next notification, with stderr read up to the moment it came;
        None once one did not come (the rest would only wait as long)."""
        if self.timed_out:
            return None
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.sock, self.proc.stderr], [], [],
                                        max(0.0, deadline - time.monotonic()))
            if self.sock in ready:
                data = self.sock.recv(4096).decode()
                self.drain_stderr()
                return data
            if self.proc.stderr in ready:
                self.drain_stderr()
                if self.proc.poll() is not None and self.sock not in ready:
                    break
        self.timed_out = True
        return None

    def text(self):
        return self.stderr.decode(errors="replace")


def fields(message):
    out = {}
    for line in (message or "").split("\n"):
        if "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


def main():
    refgwd, config, sock_path = sys.argv[1:4]
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)
        return ok

    gw = Gateway(refgwd, config, sock_path)
    try:
        msg = gw.next_message()
        check(fields(msg).get("READY") == "1", f"start: wanted READY=1, got {msg!r}")
        check("refgwd: listening on " in gw.text(),
              "start: READY=1 came before the line 'refgwd: listening on'")

        gw.proc.send_signal(signal.SIGHUP)
        msg = gw.next_message()
        f = fields(msg)
        check(f.get("RELOADING") == "1", f"reload: wanted RELOADING=1, got {msg!r}")
        usec = f.get("MONOTONIC_USEC", "")
        now = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        check(usec.isdigit() and abs(int(usec) - now) < 10_000_000,
              f"reload: MONOTONIC_USEC {usec!r} is not CLOCK_MONOTONIC now ({now})")
        msg = gw.next_message()
        check(fields(msg).get("READY") == "1", f"reload: wanted READY=1 after RELOADING=1, got {msg!r}")
        check("configuration reloaded" in gw.text(), "reload: no 'configuration reloaded'")

        with open(config, "rb") as fh:
            good = fh.read()
        with open(config, "wb") as fh:
            fh.write(b"{ not json")
        gw.proc.send_signal(signal.SIGHUP)
        msg = gw.next_message()
        check(fields(msg).get("RELOADING") == "1", f"bad reload: wanted RELOADING=1, got {msg!r}")
        msg = gw.next_message()
        check(fields(msg).get("READY") == "1", f"bad reload: wanted READY=1, got {msg!r}")
        check("reload failed" in gw.text(), "bad reload: no 'reload failed' on stderr")
        with open(config, "wb") as fh:
            fh.write(good)

        gw.proc.send_signal(signal.SIGTERM)
        msg = gw.next_message()
        check(fields(msg).get("STOPPING") == "1", f"stop: wanted STOPPING=1, got {msg!r}")
        rc = gw.proc.wait(timeout=TIMEOUT)
        check(rc == 0, f"stop: exit status {rc}, wanted 0")
        gw.sock.setblocking(False)
        try:
            extra = gw.sock.recv(4096)
            check(False, f"stop: a message after STOPPING=1: {extra!r}")
        except BlockingIOError:
            pass
    finally:
        if gw.proc.poll() is None:
            gw.proc.kill()
            gw.proc.wait()
        gw.drain_stderr()

    for f in failures:
        print(f"FAIL: {f}")
    if failures:
        print("refgwd's stderr:\n" + gw.text())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""fp_term_serve: a service that serves and records when SIGTERM reached it (test fixture
for test_faults_process.py).

    fp_term_serve.py DIR NAME            serve every inherited listener (LISTEN_FDS):
                                         answer each stream connection "NAME PID\\n"
    fp_term_serve.py DIR NAME --accept   an accept = true instance: write "NAME PID\\n"
                                         to the connection (stdout) and keep it open

Once serving it writes DIR/ready-PID ("NAME PID"). On SIGTERM it writes
DIR/term-PID ("MONOTONIC NAME"): CLOCK_MONOTONIC is system-wide, so the test can
subtract the moment it sent its own signal. Exits by itself after 60 s so that
nothing outlives a test for long.
"""
import os
import selectors
import signal
import socket
import sys
import time


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)  # readers never see half a file


def main():
    out, name = sys.argv[1], sys.argv[2]
    accept_mode = "--accept" in sys.argv[3:]
    pid = os.getpid()

    def on_term(signo, frame):
        now = time.monotonic()  # first: the delay measured is the signal's, not our I/O
        write(os.path.join(out, f"term-{pid}"), f"{now!r} {name}\n")
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    sel = selectors.DefaultSelector()
    if accept_mode:
        os.write(1, f"{name} {pid}\n".encode())
    else:
        nfds = int(os.environ.get("LISTEN_FDS", "0"))
        if os.environ.get("LISTEN_PID") != str(pid) or nfds < 1:
            print(f"bad activation env: LISTEN_PID={os.environ.get('LISTEN_PID')} "
                  f"LISTEN_FDS={nfds} pid={pid}", flush=True)
            return 3
        for fd in range(3, 3 + nfds):
            s = socket.socket(fileno=fd)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
    write(os.path.join(out, f"ready-{pid}"), f"{name} {pid}\n")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if accept_mode:
            time.sleep(0.5)  # the connection stays open until we are told to stop
            continue
        for key, _ in sel.select(timeout=0.5):
            try:
                conn, _ = key.fileobj.accept()
            except BlockingIOError:
                continue
            conn.setblocking(True)
            try:
                conn.sendall(f"{name} {pid}\n".encode())
            except OSError:
                pass
            conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

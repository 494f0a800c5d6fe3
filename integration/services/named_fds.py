#!/usr/bin/python3
"""A socket-activated Python service, as a user would write one (test fixture).

    named_fds.py raw|libsystemd NAME...

Checks what sockvisord handed over (SPEC §3) before serving anything: LISTEN_PID
is this process, LISTEN_FDS is the number of NAMEs, LISTEN_FDNAMES lists them in
order. `raw` reads the variables itself and wraps fds with socket.socket(fileno=);
`libsystemd` uses python3-systemd's listen_fds()/listen_fds_with_names(), which
do their own LISTEN_PID check. Any mismatch is printed to stderr (the unit's
log) and the service exits 3 without serving. Then every connection on every
fd gets one line: "NAME PID\n". Exits on its own after 60 s (tests are bounded).
"""
import os
import selectors
import socket
import sys
import time


def fail(why):
    print(f"named_fds: {why}", file=sys.stderr, flush=True)
    sys.exit(3)


def main():
    mode, expected = sys.argv[1], sys.argv[2:]
    env = {k: os.environ.get(k) for k in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")}
    if env["LISTEN_PID"] != str(os.getpid()):
        fail(f"LISTEN_PID={env['LISTEN_PID']!r}, my pid is {os.getpid()}")
    if mode == "raw":
        if env["LISTEN_FDS"] != str(len(expected)):
            fail(f"LISTEN_FDS={env['LISTEN_FDS']!r}, expected {len(expected)}")
        names = (env["LISTEN_FDNAMES"] or "").split(":")
        fds = list(range(3, 3 + len(expected)))
        socks = [socket.socket(fileno=fd) for fd in fds]
    else:
        from systemd import daemon
        named = daemon.listen_fds_with_names(unset_environment=False)
        fds = daemon.listen_fds(unset_environment=False)
        if fds != list(range(3, 3 + len(expected))):
            fail(f"listen_fds() = {fds}, expected {len(expected)} fds from 3")
        names = [named[fd] for fd in fds]
        socks = [socket.socket(fileno=fd) for fd in fds]
    if names != expected:
        fail(f"LISTEN_FDNAMES={names}, expected {expected}")
    for s in socks:
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) != 1:
            fail(f"fd {s.fileno()} is not a listening socket")
    print(f"named_fds: serving {' '.join(names)}", flush=True)

    sel = selectors.DefaultSelector()
    for s, name in zip(socks, names):
        sel.register(s, selectors.EVENT_READ, name)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            conn, _ = key.fileobj.accept()
            with conn:
                conn.sendall(f"{key.data} {os.getpid()}\n".encode())


if __name__ == "__main__":
    main()

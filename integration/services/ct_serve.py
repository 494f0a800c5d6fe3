#!/usr/bin/python3
"""ct_serve: a socket-activated service for the control and reload tests.

It takes every listening socket it was given (fds 3..3+LISTEN_FDS-1, LISTEN_PID
checked, names from LISTEN_FDNAMES) and answers each stream connection on any of
them with one line "WORD NAME PID\n", then closes it. WORD comes from the command
line, so a test can change it in the unit file and see which definition (and which
incarnation, and which listener) answered.

  ct_serve.py WORD [--exit-if PATH]

  --exit-if PATH  exit 1 at once when PATH exists (a crash loop a test can end)
"""
import os
import selectors
import socket
import sys


def main():
    args = sys.argv[1:]
    word = args[0] if args else "ok"
    if "--exit-if" in args:
        marker = args[args.index("--exit-if") + 1]
        if os.path.exists(marker):
            print(f"{marker} exists: exiting 1", flush=True)
            return 1
    pid = os.getpid()
    nfds = int(os.environ.get("LISTEN_FDS", "0"))
    if os.environ.get("LISTEN_PID") != str(pid) or nfds < 1:
        print(f"bad activation env: LISTEN_PID={os.environ.get('LISTEN_PID')} "
              f"LISTEN_FDS={nfds} pid={pid}", flush=True)
        return 3
    names = os.environ.get("LISTEN_FDNAMES", "").split(":")
    sel = selectors.DefaultSelector()
    for i in range(nfds):
        s = socket.socket(fileno=3 + i)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, names[i] if i < len(names) else str(3 + i))
    print(f"serving {nfds} sockets as {word}", flush=True)
    while True:
        for key, _ in sel.select():
            try:
                conn, _ = key.fileobj.accept()
            except BlockingIOError:
                continue
            conn.setblocking(True)
            try:
                conn.sendall(f"{word} {key.data} {pid}\n".encode())
            except OSError:
                pass
            conn.close()


if __name__ == "__main__":
    sys.exit(main())

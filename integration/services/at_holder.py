#!/usr/bin/python3
"""at_holder: another process holding a Unix socket address, for the attack tests.

It binds ADDRESS (a path, or @name for the abstract namespace) with TYPE, listens
(stream, seqpacket), renames itself to "at-holder" (so a test can check that
sockvisord names the holder's command, not just some python3), prints
"ready PID" and then answers: every stream/seqpacket connection gets
"holder PID\n", every datagram is answered the same way when the sender has an
address. It never unlinks its path.

  at_holder.py ADDRESS [stream|dgram|seqpacket]
"""
import ctypes
import os
import selectors
import socket
import sys

TYPES = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM,
         "seqpacket": socket.SOCK_SEQPACKET}
PR_SET_NAME = 15


def main():
    address = sys.argv[1]
    kind = sys.argv[2] if len(sys.argv) > 2 else "stream"
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NAME, b"at-holder", 0, 0, 0)
    s = socket.socket(socket.AF_UNIX, TYPES[kind] | socket.SOCK_CLOEXEC)
    s.bind("\0" + address[1:] if address.startswith("@") else address)
    if kind != "dgram":
        s.listen(64)
    pid = os.getpid()
    answer = f"holder {pid}\n".encode()
    print(f"ready {pid}", flush=True)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if kind == "dgram":
                _, sender = s.recvfrom(65536)
                if sender:
                    try:
                        s.sendto(answer, sender)
                    except OSError:
                        pass
                continue
            conn, _ = s.accept()
            try:
                conn.sendall(answer)
            except OSError:
                pass
            conn.close()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""at_outsider: a process that is not part of any unit sending to sockvisord's
NOTIFY_SOCKET (mode 0666: any local user can). Run it as root or, through setpriv,
as nobody.

  at_outsider.py NOTIFY_PATH spoof SERVICE_PID
      READY=1, MAINPID=<its own pid>, MAINPID=<the service's pid> with READY=1,
      FDSTORE=1 with fds, STOPPING=1, STATUS=spoofed..., RELOADING=1, ERRNO=
  at_outsider.py NOTIFY_PATH junk
      zero-length, 64 KiB, NUL-laden and fd-carrying (SCM_RIGHTS) datagrams

Prints "pid PID sent N" (N: datagrams the kernel accepted).
"""
import array
import os
import socket
import sys


def send(path, payload, fds=()):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        try:
            s.sendmsg([payload], anc, 0, path)
            return 1
        except OSError as e:
            print(f"send of {len(payload)} bytes with {len(fds)} fds: {e}", flush=True)
            return 0


def main():
    path, mode = sys.argv[1], sys.argv[2]
    me = os.getpid()
    fds = [os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC) for _ in range(32)]
    if mode == "spoof":
        service = sys.argv[3]
        battery = [
            (b"READY=1", ()),
            (f"MAINPID={me}".encode(), ()),
            (f"MAINPID={me}\nREADY=1".encode(), ()),
            (f"MAINPID={service}\nREADY=1".encode(), ()),
            (b"FDSTORE=1\nFDNAME=stolen", fds[:1]),
            (b"FDSTORE=1\nFDNAME=stolen", fds[:5]),
            (b"STOPPING=1", ()),
            (b"STATUS=spoofed by an outsider", ()),
            (b"RELOADING=1", ()),
            (b"ERRNO=5", ()),
        ]
    else:
        battery = [
            (b"", ()),
            (b"\0" * 100, ()),
            (b"READY=1\0\0\0", ()),
            (b"A" * 65536, ()),
            (b"READY=1\n" + b"A" * 65536, ()),
            (b"", fds[:16]),
            (b"FDSTORE=1", fds),
            (b"\0", fds[:8]),
            (b"A" * 65536, fds[:16]),
        ]
    sent = sum(send(path, p, f) for p, f in battery)
    for fd in fds:
        os.close(fd)
    print(f"pid {me} sent {sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""rn_serve: a socket-activated service for the restart and notify tests.

It takes its listening socket the way any systemd-activated program does (fd 3,
LISTEN_FDS/LISTEN_PID checked), answers each connection with one line
"ok PID\n" at once after accept() and closes it, so a test can tell which
incarnation answered. It never sleeps to wait for anything but what it is told.

  rn_serve.py [--once] [--exit N] [--ready-after S] [--raw-notify] [--status TEXT] [--junk]

  --once          exit after answering one connection (status --exit, default 0)
  --exit N        exit status for --once
  --ready-after S sleep S seconds, print "sending READY=1", then notify READY=1
  --raw-notify    send READY=1 with a plain sendmsg() instead of python-systemd
  --status TEXT   send STATUS=TEXT (before READY=1 when --ready-after is given)
  --junk          before answering each connection, send a battery of malformed,
                  oversized and fd-carrying datagrams to $NOTIFY_SOCKET, then
                  STATUS=junk-done-K (K counts connections)
"""
import argparse
import array
import os
import socket
import sys
import time


def say(*args):
    print(*args, flush=True)


def notify_raw(payload, fds=()):
    """sendmsg one datagram to $NOTIFY_SOCKET, optionally with SCM_RIGHTS fds."""
    path = os.environ["NOTIFY_SOCKET"]
    if path.startswith("@"):
        path = "\0" + path[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
        anc = []
        if fds:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        try:
            s.sendmsg([payload], anc, 0, path)
        except OSError as e:  # e.g. EMSGSIZE: a junk datagram the kernel refuses is fine
            say(f"send {len(payload)} bytes: {e}")


def junk_battery():
    """Datagrams a correct supervisor must survive and whose fds it must close."""
    null_fds = [os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC) for _ in range(8)]
    try:
        notify_raw(b"")
        notify_raw(b"\n\n\n")
        notify_raw(b"READY=1\0STATUS=nul")
        notify_raw(b"\0" * 512, null_fds[:2])
        notify_raw(b"X" * 65536)
        notify_raw(b"STATUS=" + b"y" * 65536, null_fds)
        notify_raw(b"FDSTORE=1\nFDNAME=junk", null_fds[:3])  # fd_store_max = 0: closed
        notify_raw(b"BARRIER=1", null_fds[:1])
        notify_raw(b"\xff\xfe garbage without equals", null_fds[:4])
        notify_raw(b"MAINPID=notapid\nERRNO=99999\nREADY=0")
    finally:
        for fd in null_fds:
            os.close(fd)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--once", action="store_true")
    p.add_argument("--exit", type=int, default=0)
    p.add_argument("--ready-after", type=float)
    p.add_argument("--raw-notify", action="store_true")
    p.add_argument("--status")
    p.add_argument("--junk", action="store_true")
    a = p.parse_args()

    pid = os.getpid()
    if os.environ.get("LISTEN_PID") != str(pid) or int(os.environ.get("LISTEN_FDS", "0")) < 1:
        say(f"bad activation env: LISTEN_PID={os.environ.get('LISTEN_PID')} "
            f"LISTEN_FDS={os.environ.get('LISTEN_FDS')} pid={pid}")
        return 3
    listener = socket.socket(fileno=3)
    listener.setblocking(True)

    if a.status is not None:
        from systemd import daemon
        daemon.notify("STATUS=" + a.status)
    if a.ready_after is not None:
        time.sleep(a.ready_after)
        say("sending READY=1")
        if a.raw_notify:
            notify_raw(b"READY=1")
        else:
            from systemd import daemon
            if not daemon.notify("READY=1"):
                say("notify READY=1 failed")

    served = 0
    while True:
        conn, _ = listener.accept()
        served += 1
        if a.junk:
            junk_battery()
            notify_raw(b"STATUS=junk-done-%d" % served)
        try:
            conn.sendall(b"ok %d\n" % pid)
        except OSError:
            pass
        conn.close()
        if a.once:
            return a.exit


if __name__ == "__main__":
    sys.exit(main())

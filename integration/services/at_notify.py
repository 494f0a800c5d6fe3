#!/usr/bin/python3
"""at_notify: a `ready = "notify"` service the notify-spoofing tests steer.

It takes its listening socket (fd 3, LISTEN_PID checked) and, for each connection,
reads one command line, does it, answers one line and closes the connection. It
never sends anything to NOTIFY_SOCKET on its own, so the unit stays `starting`
until the test says "ready".

  info    -> {"pid": PID, "notify_socket": "..."} (JSON)
  junk    -> sends a battery of malformed, oversized, NUL-laden and fd-carrying
             datagrams to $NOTIFY_SOCKET (none of them a valid READY=1, STOPPING=1,
             MAINPID= or FDSTORE=1), answers "sent N" (N datagrams the kernel took)
  ready   -> READY=1, answers "sent 1"
  store   -> FDSTORE=1 with one fd (/dev/null), answers "sent 1"
  status WORD -> STATUS=WORD, answers "sent 1" (a barrier: once sockvisord shows
             WORD, it has read every datagram queued before it)
"""
import array
import json
import os
import socket
import sys

ADDR = os.environ.get("NOTIFY_SOCKET", "")


def send(payload, fds=()):
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        addr = "\0" + ADDR[1:] if ADDR.startswith("@") else ADDR
        try:
            s.sendmsg([payload], anc, 0, addr)
            return 1
        except OSError as e:
            print(f"send of {len(payload)} bytes with {len(fds)} fds: {e}", flush=True)
            return 0


def junk():
    fds = [os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC) for _ in range(32)]
    try:
        battery = [
            (b"", ()),
            (b"\0" * 100, ()),
            (b"READY=1\0garbage", ()),
            (b"STOPPING=1\0", ()),
            (b"A" * 65536, ()),
            (b"READY=1\n" + b"A" * 65536, ()),          # oversized: dropped whole
            (b"FDSTORE=1\0FDNAME=x", fds[:8]),          # NUL: rejected, fds closed
            (b"", fds[:16]),                            # zero-length with fds
            (b"\0" * 10, fds),                          # 32 fds and NULs
            (b"X" * 65536, fds[:4]),                    # oversized with fds
            (b"READY=0\nFDSTORE=0", fds[:3]),           # valid text, fds not asked for
        ]
        return sum(send(p, f) for p, f in battery)
    finally:
        for fd in fds:
            os.close(fd)


def main():
    pid = os.getpid()
    if os.environ.get("LISTEN_PID") != str(pid) or os.environ.get("LISTEN_FDS") != "1":
        print("bad activation env", flush=True)
        return 3
    listener = socket.socket(fileno=3)
    print(f"at_notify {pid} NOTIFY_SOCKET={ADDR}", flush=True)
    while True:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(10)
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
            cmd = data.decode().strip()
            if cmd == "info":
                reply = json.dumps({"pid": pid, "notify_socket": ADDR})
            elif cmd == "junk":
                reply = f"sent {junk()}"
            elif cmd == "ready":
                reply = f"sent {send(b'READY=1')}"
            elif cmd == "store":
                fd = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
                sent = send(b"FDSTORE=1\nFDNAME=kept", [fd])
                reply = f"sent {sent}"
                os.close(fd)
            elif cmd.startswith("status "):
                reply = f"sent {send(b'STATUS=' + cmd[7:].encode())}"
            else:
                reply = f"unknown command {cmd!r}"
            try:
                conn.sendall(reply.encode() + b"\n")
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main())

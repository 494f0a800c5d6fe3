#!/usr/bin/python3
"""rn_notify_setsid: READY=1 from a descendant that left the service's session.

The main process forks a helper that calls setsid() (so it is in no session of the
service, only descended from the main pid), sends READY=1 with a plain sendmsg()
(the kernel attributes it to the helper's own pid), prints "helper sent PID" and
stays alive 3 s so the supervisor can still walk its /proc parent chain. The main
process then sleeps. Counts only with notify_access = "all".
"""
import os
import socket
import sys
import time

pid = os.fork()
if pid == 0:
    os.setsid()
    path = os.environ["NOTIFY_SOCKET"]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(b"READY=1", path)
    print(f"helper sent {os.getpid()} sid {os.getsid(0)}", flush=True)
    time.sleep(3)
    os._exit(0)
time.sleep(3600)
sys.exit(0)

#!/usr/bin/python3
"""rn_mainpid: hands the main-process role to a child with MAINPID=, as a
double-forking daemon does. The child serves fd 3 ("ok PID\n" per connection).
The parent sends "MAINPID=child\nREADY=1", waits on BARRIER=1 (the supervisor
closes the barrier pipe once it has processed everything before it, as
sd_notify_barrier() expects), prints "handed over to PID" and exits 0.
"""
import array
import os
import select
import socket
import sys

listener = socket.socket(fileno=3)
r, w = os.pipe()  # child waits until the parent has handed over
child = os.fork()
if child == 0:
    os.close(w)
    os.read(r, 1)  # EOF when the parent exits
    while True:
        conn, _ = listener.accept()
        conn.sendall(b"ok %d\n" % os.getpid())
        conn.close()

os.close(r)
path = os.environ["NOTIFY_SOCKET"]
with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
    s.sendto(b"MAINPID=%d\nREADY=1" % child, path)
    br, bw = os.pipe()
    s.sendmsg([b"BARRIER=1"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [bw]))],
              0, path)
    os.close(bw)
    p = select.poll()
    p.register(br, select.POLLHUP)
    if not p.poll(5000):
        print("barrier timed out", flush=True)
print(f"handed over to {child}", flush=True)
sys.exit(0)

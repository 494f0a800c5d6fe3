#!/usr/bin/python3
"""A service that shows how it was told to stop (test fixture).

    term_marker.py catch DIR    on SIGTERM write DIR/sigterm (with our pid), exit 0
    term_marker.py ignore DIR   ignore SIGTERM; fork a child (same process group)
                                that ignores it too
    term_marker.py escape DIR   double-fork a grandchild that leaves the service's
                                session (setsid) and ignores SIGTERM: an orphan
                                that no process-group signal reaches

Both write DIR/pids ("PID [CHILD_PID]") once set up, and exit by themselves
after 60 s so that nothing outlives a test for long.
"""
import os
import signal
import sys
import time


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)  # readers never see half a file


def main():
    mode, out = sys.argv[1], sys.argv[2]
    pids = [os.getpid()]
    if mode == "catch":
        def on_term(signo, frame):
            write(os.path.join(out, "sigterm"), f"{os.getpid()}\n")
            os._exit(0)
        signal.signal(signal.SIGTERM, on_term)
    elif mode == "escape":
        r, w = os.pipe()
        middle = os.fork()
        if middle == 0:
            os.setsid()
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            if os.fork() == 0:
                os.write(w, f"{os.getpid()}".encode())
                os.close(w)
                time.sleep(60)
            os._exit(0)  # the grandchild is an orphan now
        os.close(w)
        os.waitpid(middle, 0)
        pids.append(int(os.read(r, 64)))
        os.close(r)
    else:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = os.fork()
        if child == 0:
            time.sleep(60)  # SIG_IGN is inherited across fork
            os._exit(0)
        pids.append(child)
    write(os.path.join(out, "pids"), " ".join(map(str, pids)) + "\n")
    print("term_marker: ready", flush=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.1)


if __name__ == "__main__":
    main()

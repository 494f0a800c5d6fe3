#!/usr/bin/python3
"""Make orphans for the init to reap (test fixture).

    orphans.py N DIR     double-fork N grandchildren that exit within 0.3 s; they
                         are reparented to the nearest subreaper (PID 1 of the
                         namespace). Writes DIR/orphans-done, then sleeps.
    orphans.py noreap DIR   negative control: fork one child that exits at once
                         and never wait for it, so it stays a zombie of ours.

Exits by itself after 60 s.
"""
import os
import sys
import time


def main():
    what, out = sys.argv[1], sys.argv[2]
    if what == "noreap":
        if os.fork() == 0:
            os._exit(0)
    else:
        for i in range(int(what)):
            child = os.fork()
            if child == 0:
                if os.fork() == 0:
                    time.sleep(0.05 + (i % 6) * 0.05)
                    os._exit(0)
                os._exit(0)  # the grandchild is now an orphan
            os.waitpid(child, 0)  # reap our own child: only orphans are left for init
    done = os.path.join(out, "orphans-done")
    with open(done + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(done + ".tmp", done)  # readers never see an empty file
    time.sleep(60)


if __name__ == "__main__":
    main()

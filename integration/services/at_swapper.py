#!/usr/bin/python3
"""at_swapper: the attacker of the swap-race test. It keeps replacing one directory
entry, as fast as it can, by a regular file, a symlink to a victim file, a symlink
to a victim directory, a dangling symlink into the victim directory, a FIFO, a
directory with a file inside, a socket nobody listens on, or a socket it listens
on — either by rename(2) of an entry prepared in STAGE (atomic replacement) or by
unlink + create at PATH (leaving a gap in which the name is free).

It never touches anything outside PATH and STAGE. The test freezes it with
SIGSTOP to look at the entry, SIGCONT to go on, and SIGTERM to end it; on SIGTERM
it prints one JSON line of counts and exits.

  at_swapper.py PATH STAGE VICTIM_FILE VICTIM_DIR [SEED]
"""
import json
import os
import random
import shutil
import signal
import socket
import stat
import sys

KINDS = ["file", "symlink-file", "symlink-dir", "symlink-dangling", "fifo", "directory",
         "stale-socket", "live-socket"]


def main():
    path, stage, victim_file, victim_dir = sys.argv[1:5]
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    counts = {"ops": 0, "renames": 0, "recreates": 0, "failed": 0,
              **{k: 0 for k in KINDS}}
    live = []  # listening sockets we hold (the last two; older ones are closed)
    stopping = []

    def on_term(*_):
        stopping.append(1)
    signal.signal(signal.SIGTERM, on_term)

    def make(at, kind):
        if kind == "file":
            with open(at, "w") as f:
                f.write("planted by at_swapper\n")
        elif kind == "symlink-file":
            os.symlink(victim_file, at)
        elif kind == "symlink-dir":
            os.symlink(victim_dir, at)
        elif kind == "symlink-dangling":
            os.symlink(os.path.join(victim_dir, "created-through-a-symlink"), at)
        elif kind == "fifo":
            os.mkfifo(at)
        elif kind == "directory":
            os.mkdir(at)
            with open(os.path.join(at, "inside"), "w") as f:
                f.write("inside a planted directory\n")
        else:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
            s.bind(at)
            if kind == "live-socket":
                s.listen(8)
                live.append(s)
                while len(live) > 2:
                    live.pop(0).close()
            else:
                s.close()

    def remove(at):
        try:
            st = os.lstat(at)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(at, ignore_errors=True)
        else:
            try:
                os.unlink(at)
            except FileNotFoundError:
                pass

    os.makedirs(stage, exist_ok=True)
    tmp = os.path.join(stage, "next")
    print("ready", flush=True)
    while not stopping:
        kind = rng.choice(KINDS)
        try:
            if rng.random() < 0.5:
                remove(tmp)
                make(tmp, kind)
                try:
                    os.rename(tmp, path)
                except OSError:  # EISDIR, ENOTDIR, ENOTEMPTY: clear the name first
                    remove(path)
                    os.rename(tmp, path)
                counts["renames"] += 1
            else:
                remove(path)
                make(path, kind)
                counts["recreates"] += 1
            counts[kind] += 1
            counts["ops"] += 1
        except OSError:
            counts["failed"] += 1  # sockvisord (or the other branch) won this round
    print(json.dumps(counts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

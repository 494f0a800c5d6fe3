#!/usr/bin/python3
"""fl_sample: watches one process from outside while a fault-injection test runs.

  fl_sample.py PID [INTERVAL_S]

Every INTERVAL_S (default 0.001) it reads /proc/PID/task/PID/children (the
children of the daemon's only thread, zombies and children that have not yet
exec'd included, so an upper bound of its live instances) and, every tenth
sample, VmRSS from /proc/PID/status. It runs in its own process so that the
sampling does not compete for the GIL with the test's client threads. It prints
"sampling" once it has taken its first sample, and when its stdin closes (or PID
is gone) one JSON line:
  {"samples": N, "max_children": M, "max_rss_kib": R, "min_rss_kib": R0}
"""
import json
import os
import select
import sys
import time


def main():
    pid = int(sys.argv[1])
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.001
    children_path = f"/proc/{pid}/task/{pid}/children"
    samples = 0
    max_children = 0
    max_rss = 0
    min_rss = None
    announced = False
    while True:
        try:
            with open(children_path) as f:
                n = len(f.read().split())
            if samples % 10 == 0:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            rss = int(line.split()[1])
                            max_rss = max(max_rss, rss)
                            min_rss = rss if min_rss is None else min(min_rss, rss)
                            break
        except (FileNotFoundError, ProcessLookupError):
            break
        samples += 1
        max_children = max(max_children, n)
        if not announced:
            print("sampling", flush=True)
            announced = True
        # stdin closed (EOF readable) ends the run; select doubles as the sleep.
        ready, _, _ = select.select([sys.stdin], [], [], interval)
        if ready and not os.read(sys.stdin.fileno(), 4096):
            break
    print(json.dumps({"samples": samples, "max_children": max_children,
                      "max_rss_kib": max_rss, "min_rss_kib": min_rss}), flush=True)


if __name__ == "__main__":
    main()

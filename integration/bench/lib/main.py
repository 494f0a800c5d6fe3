"""Run every measure, alternating subject and peers, and write the report.

Exit 0 when every measure ran (whether or not a goal was met: benchmarks are
not tests); 1 when the harness itself broke (a peer or sockvisord did not run).
"""
import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import traceback

from datapath import data_path
from harness import Ctx, HarnessError
from idle import idle
from machine import describe
from report import write_report
from restart import restart_gap, status_latency
from scale import scale
from spawn import first_connection, spawn_rate

MEASURES = [  # (key, title, function) in the order of the issue
    ("spawn", "1. spawn rate", spawn_rate),
    ("first", "2. first connection", first_connection),
    ("data", "3. data path", data_path),
    ("scale", "4. scale", scale),
    ("idle", "5+6. idle memory and wake-ups", idle),
    ("restart", "7. restart gap", restart_gap),
    ("status", "8. status latency", status_latency),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", required=True)
    ap.add_argument("--plots", help="directory for PNG plots (none when omitted)")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--sockvisord", required=True)
    ap.add_argument("--sockvisorctl", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--build-note", default="")
    ap.add_argument("--only", help="comma-separated measure keys (development)")
    a = ap.parse_args()

    # 10,000 sockets need more than the usual 1,024 fds; children inherit this.
    # 65536, or the hard limit when we may not raise it (a container without
    # CAP_SYS_RESOURCE).
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, 65536))
    except (ValueError, OSError):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = tempfile.mkdtemp(prefix="svb-", dir="/tmp")
    os.chmod(tmp, 0o755)
    run_tmp = None
    if os.path.isdir("/dev/shm") and os.statvfs("/dev/shm").f_bavail > 0:
        run_tmp = tempfile.mkdtemp(prefix="svb-", dir="/dev/shm")
        os.chmod(run_tmp, 0o755)
    ctx = Ctx(a.quick, a.bin, a.sockvisord, a.sockvisorctl, tmp, a.source_dir, run_tmp)
    machine = describe(a.source_dir)
    machine["build"] = a.build_note
    results, timings, broken = {}, {}, []
    started = time.monotonic()
    try:
        for key, title, fn in MEASURES:
            if a.only and key not in a.only.split(","):
                continue
            t = time.monotonic()
            print(f"bench: {title} ...", flush=True)
            try:
                results[key] = fn(ctx)
            except (HarnessError, OSError, ValueError, KeyError) as e:
                broken.append(f"{title}: {e}")
                print(f"bench: {title} BROKE: {e}", file=sys.stderr)
                traceback.print_exc()
            timings[key] = time.monotonic() - t
            print(f"bench: {title} done in {timings[key]:.1f} s", flush=True)
        write_report(a.out, a.plots, ctx, machine, results, timings, broken,
                     time.monotonic() - started)
        print(f"bench: wrote {a.out} in {time.monotonic() - started:.0f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if run_tmp:
            shutil.rmtree(run_tmp, ignore_errors=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())

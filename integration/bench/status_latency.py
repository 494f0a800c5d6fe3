#!/usr/bin/python3
"""Benchmark, not a test (ARCHITECTURE rule 14): how long `sockvisorctl --json status`
takes with 1,000 units, and how big its reply is.

Starts sockvisord with 1,000 on-demand units (one pathname socket each, in the
runtime dir; nothing is started), waits for its READY=1, then runs
`sockvisorctl --json status` N times (wall clock of the whole command, as a user or
a monitoring script sees it: exec, connect, request, reply, JSON printing) and, to
separate the daemon from the client, the same request over a raw socket. When
supervisor is installed, `supervisorctl status` with 100 programs is measured the
same way for comparison; otherwise that row is skipped.

    SOCKVISORD=build/sockvisord SOCKVISORCTL=build/sockvisorctl \\
        /usr/bin/python3 integration/bench/status_latency.py [--units 1000] [--runs 20]

Prints a markdown table.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SOCKVISORD = os.environ.get("SOCKVISORD", "build/sockvisord")
SOCKVISORCTL = os.environ.get("SOCKVISORCTL", "build/sockvisorctl")


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def timed(fn, runs):
    """(latencies in ms, last result)"""
    out, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - t) * 1000)
    return out, result


def raw_status(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(30)
        c.connect(path)
        c.sendall(b'{"cmd": "status"}\n')
        data = b""
        while not data.endswith(b"\n"):
            chunk = c.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    return data


def bench_sockvisor(root, n_units, runs):
    units, run = os.path.join(root, "units"), os.path.join(root, "run")
    os.makedirs(units)
    for i in range(n_units):
        with open(os.path.join(units, f"u{i:04d}.toml"), "w") as f:
            f.write(f'[[listen]]\naddress = "u{i:04d}.sock"\n\n'
                    f'[service]\nexec = ["/bin/true"]\n')
    notify_path = os.path.join(root, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(60)
    log = open(os.path.join(root, "sockvisord.log"), "wb")
    t = time.perf_counter()
    proc = subprocess.Popen([SOCKVISORD, "--units", units, "--runtime-dir", run],
                            stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, NOTIFY_SOCKET=notify_path))
    rows = []
    try:
        while b"READY=1" not in notify.recv(4096):
            pass
        ready_ms = (time.perf_counter() - t) * 1000
        control = os.path.join(run, "control.sock")
        cmd = [SOCKVISORCTL, "--control", control, "--json", "status"]

        def ctl():
            r = subprocess.run(cmd, capture_output=True, timeout=60)
            if r.returncode != 0:
                sys.exit(f"sockvisorctl exited {r.returncode}: {r.stderr.decode()}")
            return r.stdout
        ctl()  # warm the page cache
        lat, out = timed(ctl, runs)
        rows.append((f"`sockvisorctl --json status`, {n_units} units", lat, len(out)))
        lat, out = timed(lambda: raw_status(control), runs)
        rows.append((f"raw control request `status`, {n_units} units", lat, len(out)))
        lat, out = timed(lambda: subprocess.run(
            [SOCKVISORCTL, "--control", control, "status"], capture_output=True,
            timeout=60).stdout, runs)
        rows.append((f"`sockvisorctl status` (table), {n_units} units", lat, len(out)))
        rss_kb = int(next(line.split()[1] for line in open(f"/proc/{proc.pid}/status")
                          if line.startswith("VmRSS:")))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        notify.close()
        log.close()
    return rows, ready_ms, rss_kb


def bench_supervisor(root, n_programs, runs):
    supervisord, supervisorctl = shutil.which("supervisord"), shutil.which("supervisorctl")
    if not (supervisord and supervisorctl):
        return None
    conf = os.path.join(root, "supervisord.conf")
    sock = os.path.join(root, "supervisor.sock")
    with open(conf, "w") as f:
        f.write(f"[unix_http_server]\nfile={sock}\n\n"
                f"[supervisord]\nlogfile={root}/supervisord.log\npidfile={root}/supervisord.pid\n"
                f"nodaemon=true\n\n"
                "[rpcinterface:supervisor]\n"
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
                f"[supervisorctl]\nserverurl=unix://{sock}\n\n")
        for i in range(n_programs):
            f.write(f"[program:p{i:03d}]\ncommand=/bin/sleep 3600\nautostart=false\n\n")
    proc = subprocess.Popen([supervisord, "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        cmd = [supervisorctl, "-c", conf, "status"]
        deadline = time.monotonic() + 30
        while subprocess.run(cmd, capture_output=True).stdout.count(b"\n") < n_programs:
            if time.monotonic() > deadline:
                sys.exit("supervisord did not answer within 30 s")
            time.sleep(0.1)
        lat, out = timed(lambda: subprocess.run(cmd, capture_output=True, timeout=60).stdout, runs)
        return [(f"`supervisorctl status`, {n_programs} programs", lat, len(out))]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--units", type=int, default=1000)
    p.add_argument("--programs", type=int, default=100)
    p.add_argument("--runs", type=int, default=20)
    a = p.parse_args()
    root = tempfile.mkdtemp(prefix="sv-bench-", dir="/tmp")
    os.chmod(root, 0o755)
    try:
        rows, ready_ms, rss_kb = bench_sockvisor(os.path.join(root, "sv"), a.units, a.runs)
        os.makedirs(os.path.join(root, "supervisor"))
        sup = bench_supervisor(os.path.join(root, "supervisor"), a.programs, a.runs)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"{a.runs} runs each; wall clock of the whole command.\n")
    print("| command | median ms | p95 ms | reply bytes |")
    print("|---|---:|---:|---:|")
    for name, lat, size in rows + (sup or []):
        print(f"| {name} | {statistics.median(lat):.2f} | {percentile(lat, 95):.2f} | {size:,} |")
    if sup is None:
        print(f"| `supervisorctl status`, {a.programs} programs | skipped: supervisor "
              "is not installed | | |")
    print(f"\nsockvisord with {a.units} units: READY=1 after {ready_ms:.0f} ms, "
          f"RSS {rss_kb / 1024:.1f} MiB.")


if __name__ == "__main__":
    main()

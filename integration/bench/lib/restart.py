"""Measures 7 and 8: the gap when a service is SIGKILLed under load, and the
latency of `sockvisorctl status --json` with 1,000 units (status_latency.py,
owned by another engineer, when present)."""
import json
import os
import signal
import subprocess
import time

from harness import HarnessError, Procs, median, start_sockvisord

RESTART_DELAY_MS = 100


def stop_and_count_held(pid):
    """SIGSTOPs the service and returns how many accepted connections are in its fd
    table: those die with it under any supervisor. A stopped process is not between
    accept() returning and anything else, so unlike a tally the service keeps itself
    this has no window; a process blocked in accept() has dequeued nothing. Its fds:
    0-2 stdio, 3 the listener (LISTEN_FDS=1); a socket above 3 is a connection."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + 5
    while True:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        if state in ("T", "t"):
            break
        if time.monotonic() > deadline:
            raise HarnessError(f"m7: service {pid} did not stop (state {state})")
        time.sleep(0.0002)
    held = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        if int(fd) > 3 and os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
            held += 1
    return held


def restart_gap(ctx):
    secs = 1.0 if ctx.quick else 1.5
    rows = []
    for run in range(ctx.runs):
        root = ctx.dir(f"m7-{run}")
        units = ctx.dir(f"m7-{run}", "units")
        with open(os.path.join(units, "r.toml"), "w") as f:
            f.write('[[listen]]\naddress = "r.sock"\n\n[service]\n'
                    f'exec = ["{ctx.prog("svc_fd3")}", "loop"]\nrestart = "on-failure"\n'
                    f'restart_delay = "{RESTART_DELAY_MS}ms"\n')
        sock = os.path.join(root, "run", "r.sock")
        with Procs(ctx) as procs:
            start_sockvisord(ctx, procs, "m7-sockvisord", root, ["--units", units])
            subprocess.run([ctx.prog("client"), "rate", sock, "1", "0.02"], capture_output=True, check=True)
            st = subprocess.run([ctx.sockvisorctl, "--control", os.path.join(root, "run", "control.sock"),
                                 "--json", "status"], capture_output=True, text=True, timeout=30)
            pid = json.loads(st.stdout)["units"][0]["pid"]
            if not pid:
                raise HarnessError(f"m7: the service did not start: {st.stdout}")
            client = subprocess.Popen([ctx.prog("client"), "loop", sock, str(secs)],
                                      stdout=subprocess.PIPE, text=True)
            try:
                time.sleep(secs / 3)
                held = stop_and_count_held(pid)
                kill_ns = time.monotonic_ns()  # CLOCK_MONOTONIC, as the client's clock
                os.kill(pid, signal.SIGKILL)
                out, _ = client.communicate(timeout=secs + 30)
            finally:
                if client.poll() is None:
                    client.kill()
                    client.wait()
            r = {k: float(v) for k, v in (w.split("=") for w in out.split())}
            if r["served"] == 0:
                raise HarnessError("m7: no connection served")
            r["kill_to_served_ms"] = (r["gap_end_ns"] - kill_ns) / 1e6
            r["held_by_service"] = min(held, r["lost"])
            r["lost_by_supervisor"] = r["lost"] - r["held_by_service"]
            rows.append(r)
    keys = ("max_gap_ms", "kill_to_served_ms", "lost", "held_by_service", "lost_by_supervisor",
            "refused", "served")
    return {"restart_delay_ms": RESTART_DELAY_MS, "runs": len(rows),
            "median": {k: median([r[k] for r in rows]) for k in keys},
            "worst": {k: max(r[k] for r in rows) for k in keys},
            "lost_total": sum(r["lost"] for r in rows),
            "held_total": sum(r["held_by_service"] for r in rows),
            "supervisor_lost_total": sum(r["lost_by_supervisor"] + r["refused"] for r in rows)}


def status_latency(ctx):
    script = os.path.join(ctx.source_dir, "integration", "bench", "status_latency.py")
    if not os.path.exists(script):
        return None
    env = dict(os.environ, SOCKVISORD=ctx.sockvisord, SOCKVISORCTL=ctx.sockvisorctl)
    r = subprocess.run(["/usr/bin/python3", script, "--units", "1000", "--programs", "100",
                        "--runs", "5" if ctx.quick else "20"],
                       capture_output=True, text=True, env=env, timeout=300)
    if r.returncode != 0:
        raise HarnessError(f"status_latency.py exited {r.returncode}: {r.stderr[-1000:]}")
    rows = {}
    for line in r.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2:
            try:
                rows[cells[0]] = float(cells[1])
            except ValueError:
                pass
    return {"markdown": r.stdout.strip(), "medians_ms": rows}

"""Measure 4: time from exec to READY=1 with N pathname sockets, sockvisord
(N unit files, on-demand) against a bare bind loop in C. Both are started by
launch_ready, which raises RLIMIT_NOFILE to 65536 and waits on NOTIFY_SOCKET."""
import os
import shutil

from harness import median, run_kv


def write_units(ctx, n):
    units = ctx.dir(f"units-{n}")
    if len(os.listdir(units)) == n:
        return units
    svc = ctx.prog("svc_fd3")
    for i in range(n):
        with open(os.path.join(units, f"u{i:05d}.toml"), "w") as f:
            f.write(f'[[listen]]\naddress = "u{i:05d}.sock"\n\n[service]\nexec = ["{svc}", "once"]\n')
    return units


def sizes(ctx):
    return (100, 1000, 10000)


def scale(ctx):
    out = {}
    for n in sizes(ctx):
        write_units(ctx, n)
    for run in range(ctx.runs):
        for n in sizes(ctx):
            units = write_units(ctx, n)
            root = os.path.join(ctx.run_tmp, f"m4-{n}-{run}")
            os.makedirs(root, exist_ok=True)
            launch = [ctx.prog("launch_ready"), os.path.join(root, "notify.sock"), "--"]
            r = run_kv(launch + [ctx.sockvisord, "--units", units, "--runtime-dir",
                                 os.path.join(root, "run"), "--log-level", "warn"])
            out.setdefault(("sockvisord", n), []).append(r)
            sockets = os.path.join(root, "bare")
            os.makedirs(sockets, exist_ok=True)
            r = run_kv(launch + [ctx.prog("bare_bind"), sockets, str(n)])
            out.setdefault(("bare bind loop (C)", n), []).append(r)
            shutil.rmtree(root, ignore_errors=True)
    return {k: {"ready_ms": median([r["ready_ms"] for r in v]),
                "stop_ms": median([r["stop_ms"] for r in v])} for k, v in out.items()}

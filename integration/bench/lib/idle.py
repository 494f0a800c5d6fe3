"""Measures 5 and 6: memory (RSS, PSS) and wake-ups/CPU of idle supervisors.
Only the supervisor processes are counted (sockvisord; supervisord; s6-svscan
and every s6-supervise; systemd-socket-activate; tini; dumb-init), never the
services: sockvisord's units are on-demand and never started, supervisord's
programs have autostart=false, s6's services have a `down` file, so no peer
runs a service either — except tini and dumb-init, which need a child (sleep)."""
import os
import time

from harness import (HarnessError, Procs, median, mem_kib, proc_children, start_sockvisord,
                     wait_for, wakeups_and_cpu)
from scale import write_units

PEER_PROGRAMS = 100


def supervisord_conf(root, n):
    sock = os.path.join(root, "supervisor.sock")
    conf = os.path.join(root, "supervisord.conf")
    with open(conf, "w") as f:
        f.write(f"[unix_http_server]\nfile={sock}\n\n[supervisord]\nnodaemon=true\n"
                f"logfile={root}/supervisord.log\npidfile={root}/supervisord.pid\n\n"
                "[rpcinterface:supervisor]\n"
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
                f"[supervisorctl]\nserverurl=unix://{sock}\n\n")
        for i in range(n):
            f.write(f"[program:p{i:04d}]\ncommand=/bin/sleep 3600\nautostart=false\n\n")
    return conf, sock


def s6_scandir(root, n):
    scan = os.path.join(root, "scan")
    for i in range(n):
        d = os.path.join(scan, f"s{i:04d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "run"), "w") as f:
            f.write("#!/bin/sh\nexec sleep 3600\n")
        os.chmod(os.path.join(d, "run"), 0o755)
        open(os.path.join(d, "down"), "w").close()
    return scan


def s6_pids(svscan):
    return [svscan] + [c for c in proc_children(svscan)
                       if open(f"/proc/{c}/comm").read().strip() == "s6-supervise"]


def start_all(ctx, procs, run):
    """{label: (units, function returning the supervisor pids)}"""
    subjects = {}
    for n in (100, 1000):
        root = ctx.dir(f"m5-{run}-sv{n}")
        p = start_sockvisord(ctx, procs, f"m5-sockvisord-{n}", root,
                             ["--units", write_units(ctx, n), "--log-level", "warn"])
        subjects[f"sockvisord, {n} on-demand units"] = (n, lambda p=p: [p.pid])
    root = ctx.dir(f"m5-{run}-supervisord")
    conf, sock = supervisord_conf(root, PEER_PROGRAMS)
    p = procs.start("m5-supervisord", ["supervisord", "-c", conf])
    wait_for(lambda: os.path.exists(sock), "supervisord's socket", 30, p, procs)
    subjects[f"supervisord, {PEER_PROGRAMS} programs (autostart=false)"] = (PEER_PROGRAMS, lambda p=p: [p.pid])
    scan = s6_scandir(ctx.dir(f"m5-{run}-s6"), PEER_PROGRAMS)
    p = procs.start("m5-s6-svscan", ["s6-svscan", scan])
    wait_for(lambda: len(s6_pids(p.pid)) == PEER_PROGRAMS + 1, "every s6-supervise", 30, p, procs)
    subjects[f"s6-svscan + {PEER_PROGRAMS} s6-supervise (down)"] = (PEER_PROGRAMS, lambda p=p: s6_pids(p.pid))
    for n in (100, 1000):
        root = ctx.dir(f"m5-{run}-ssa{n}")
        args = []
        for i in range(n):
            args += ["-l", os.path.join(root, f"s{i:04d}.sock")]
        p = procs.start(f"m5-ssa-{n}", ["systemd-socket-activate", *args, ctx.prog("svc_fd3"), "once"])
        wait_for(lambda p=p, n=n: procs.log_text(p).count("Listening on") >= n,
                 "systemd-socket-activate", 30, p, procs)
        subjects[f"systemd-socket-activate, {n} sockets"] = (n, lambda p=p: [p.pid])
    for name in ("tini", "dumb-init"):
        p = procs.start(f"m5-{name}", [name, "--", "sleep", "3600"] if name == "tini"
                        else [name, "sleep", "3600"])
        wait_for(lambda p=p: proc_children(p.pid), f"{name}'s child", 10, p, procs)
        subjects[f"{name} (one sleeping child)"] = (1, lambda p=p: [p.pid])
    return subjects


def idle(ctx):
    window = 3.0 if ctx.quick else 10.0
    mem, wake = {}, {}
    for run in range(ctx.runs):
        with Procs(ctx) as procs:
            subjects = start_all(ctx, procs, run)
            time.sleep(1.0)  # let start-up work (supervisord's first ticks, s6 scans) settle
            before = {}
            for label, (_, pids) in subjects.items():
                ps = pids()
                rss = pss = 0
                for pid in ps:
                    r, s = mem_kib(pid)
                    rss, pss = rss + r, pss + s
                mem.setdefault(label, []).append((rss, pss, len(ps)))
                before[label] = {pid: wakeups_and_cpu(pid) for pid in ps}
            time.sleep(window)
            for label, (_, pids) in subjects.items():
                ctxsw = cpu = 0
                for pid, (c0, t0) in before[label].items():
                    c1, t1 = wakeups_and_cpu(pid)
                    ctxsw, cpu = ctxsw + c1 - c0, cpu + t1 - t0
                wake.setdefault(label, []).append((ctxsw, cpu))
            for p in procs.procs:
                if p.poll() is not None:
                    raise HarnessError(f"{p.bench_name} exited ({p.returncode}) while idle")
    return {
        "window_s": window,
        "memory": {k: {"rss_kib": median([r for r, _, _ in v]), "pss_kib": median([s for _, s, _ in v]),
                       "processes": v[0][2]} for k, v in mem.items()},
        "wakeups": {k: {"ctxsw": median([c for c, _ in v]), "cpu_ms": median([t * 1000 for _, t in v])}
                    for k, v in wake.items()},
    }

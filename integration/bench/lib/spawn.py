"""Measures 1 and 2: per-connection spawn rate (accept mode) and the latency of
the first connection of an on-demand service. Every peer runs the same service
binary and is driven by the same C client."""
import os

from harness import HarnessError, Procs, connectable, median, run_kv, start_sockvisord, wait_for

SSA = "systemd-socket-activate"


def accept_peers(ctx, sock):
    svc = ctx.prog("svc_ok")
    return [
        ("sockvisord", None),  # started through start_sockvisord (READY=1)
        ("systemd-socket-activate", [SSA, "--inetd", "-a", "-l", sock, svc]),
        ("s6-ipcserver", ["s6-ipcserver", sock, svc]),
        ("socat", ["socat", f"UNIX-LISTEN:{sock},fork", f"EXEC:{svc}"]),
        ("bare accept+fork/exec (C)", [ctx.prog("bare_accept"), sock, svc]),
    ]


def spawn_rate(ctx):
    """{peer: {mode: {rate, p50_us, p99_us}}}, medians over runs, peers alternating."""
    secs = 0.3 if ctx.quick else 1.0
    modes = (("sequential", 1), ("8 clients", 8))
    samples = {}
    for run in range(ctx.runs):
        for index in range(len(accept_peers(ctx, "S"))):
            root = ctx.dir(f"m1-{run}-{index}")
            sock = os.path.join(root, "s.sock")
            name, cmd = accept_peers(ctx, sock)[index]
            with Procs(ctx) as procs:
                if cmd is None:
                    p = start_sockvisord(ctx, procs, "m1-sockvisord", root,
                                         ["--listen", sock, "--accept", "--", ctx.prog("svc_ok")])
                else:
                    p = procs.start(f"m1-{name.split()[0]}", cmd)
                # warm up: the first connection proves the peer serves at all
                wait_for(lambda: connectable(sock), f"{name} to listen", 10, p, procs)
                run_kv([ctx.prog("client"), "rate", sock, "1", "0.05"])
                for mode, clients in modes:
                    r = run_kv([ctx.prog("client"), "rate", sock, str(clients), str(secs)])
                    if r["errors"]:
                        raise HarnessError(f"{name}: {int(r['errors'])} failed connections")
                    samples.setdefault(name, []).append((mode, r))
    out = {}
    for name, rows in samples.items():
        for mode, _ in modes:
            rs = [r for m, r in rows if m == mode]
            out.setdefault(name, {})[mode] = {k: median([r[k] for r in rs])
                                               for k in ("rate", "p50_us", "p99_us")}
    return out


def first_connection(ctx):
    """{subject: median µs from connect to first byte} for an on-demand service."""
    per_run = 3 if ctx.quick else 8
    svc = ctx.prog("svc_fd3")
    samples = {"sockvisord (inline, on-demand)": [], "systemd-socket-activate": [],
               "bare exec, service binds itself": []}
    for run in range(ctx.runs):
        for i in range(per_run):
            root = ctx.dir(f"m2-{run}-{i}")
            sock = os.path.join(root, "s.sock")
            with Procs(ctx) as procs:
                start_sockvisord(ctx, procs, "m2-sockvisord", root, ["--listen", sock, "--", svc, "once"])
                r = run_kv([ctx.prog("client"), "first", sock])
                samples["sockvisord (inline, on-demand)"].append(r["first_us"])
            sock = os.path.join(root, "ssa.sock")
            with Procs(ctx) as procs:
                p = procs.start("m2-ssa", [SSA, "-l", sock, svc, "once"])
                wait_for(lambda: "Listening on" in procs.log_text(p), "systemd-socket-activate", 10, p, procs)
                r = run_kv([ctx.prog("client"), "first", sock])
                samples["systemd-socket-activate"].append(r["first_us"])
            sock = os.path.join(root, "bare.sock")
            r = run_kv([ctx.prog("client"), "first", sock, "--", svc, "once", sock])
            samples["bare exec, service binds itself"].append(r["first_us"])
    return {k: {"p50_us": median(v), "min_us": min(v), "n": len(v)} for k, v in samples.items()}

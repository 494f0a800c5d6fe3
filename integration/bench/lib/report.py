"""docs/benchmarks.md: machine, goals met or missed, one table per measure,
misses and their causes, how to reproduce."""
import datetime
import os

from causes import CAUSES
from plots import scale_png, spawn_rate_png

MIB = 1024.0


def ratio(x, ref):
    return f"{x / ref:.2f}×" if x is not None and ref else "–"


def yes(ok):
    return "**met**" if ok else "**MISSED**"


def goals(results):
    """[(measure key, goal, result text, met)]"""
    g = []
    s = results.get("spawn")
    if s:
        sv, bare = s["sockvisord"], s["bare accept+fork/exec (C)"]
        for mode in ("sequential", "8 clients"):
            best_peer = max((n for n in s if n not in ("sockvisord", "bare accept+fork/exec (C)")),
                            key=lambda n: s[n][mode]["rate"])
            ok = (sv[mode]["rate"] >= s[best_peer][mode]["rate"]
                  and sv[mode]["rate"] >= 0.95 * bare[mode]["rate"])
            g.append(("spawn", f"1. spawn rate, {mode}: ahead of every peer, ≥ 0.95× bare loop",
                      f"{sv[mode]['rate']:.0f}/s = {ratio(sv[mode]['rate'], bare[mode]['rate'])} bare; "
                      f"best peer {best_peer} {s[best_peer][mode]['rate']:.0f}/s", ok))
    f = results.get("first")
    if f:
        sv, bare = f["sockvisord (inline, on-demand)"]["p50_us"], f["bare exec, service binds itself"]["p50_us"]
        g.append(("first", "2. first connection ≤ 1.1× bare exec",
                  f"{sv / 1000:.2f} ms = {ratio(sv, bare)} bare", sv <= 1.1 * bare))
    d = results.get("data")
    if d:
        rows = d["rows"]
        sv, direct = rows["sockvisord-activated sink"]["mib_s"], rows["direct (sink binds itself)"]["mib_s"]
        g.append(("data", "3. data path ≥ 0.98× direct", f"{sv:.0f} MiB/s = {ratio(sv, direct)} direct",
                  sv >= 0.98 * direct))
    sc = results.get("scale")
    if sc and ("sockvisord", 10000) in sc:
        t10k, t1k = sc[("sockvisord", 10000)]["ready_ms"], sc[("sockvisord", 1000)]["ready_ms"]
        g.append(("scale", "4. 10,000 units READY=1 < 1 s", f"{t10k:.0f} ms", t10k < 1000))
        g.append(("scale", "4. 10k/1k ≤ 12", f"{t10k / t1k:.1f}", t10k / t1k <= 12))
    i = results.get("idle")
    if i:
        for n, limit in ((100, 4), (1000, 8)):
            m = i["memory"][f"sockvisord, {n} on-demand units"]
            g.append(("memory", f"5. idle memory ≤ {limit} MiB @ {n} units (RSS; PSS shown)",
                      f"RSS {m['rss_kib'] / MIB:.1f} MiB, PSS {m['pss_kib'] / MIB:.1f} MiB",
                      m["rss_kib"] <= limit * 1024))
        w = i["wakeups"]["sockvisord, 1000 on-demand units"]
        g.append(("wakeups", f"6. 0 wake-ups in {i['window_s']:.0f} s idle @ 1,000 units",
                  f"{w['ctxsw']:.0f} context switches, {w['cpu_ms']:.0f} ms CPU", w["ctxsw"] == 0))
    r = results.get("restart")
    if r:
        limit = r["restart_delay_ms"] + 5
        g.append(("restart", "7. restart: 0 connections lost by the supervisor (refused, or never accepted)",
                  f"{r['supervisor_lost_total']:.0f} in {r['runs']} kills; {r['held_total']:.0f} more were "
                  "in the killed service's hands", r["supervisor_lost_total"] == 0))
        g.append(("restart", f"7. restart gap (SIGKILL → next connection served) ≤ restart_delay + 5 ms = {limit} ms",
                  f"median {r['median']['kill_to_served_ms']:.1f} ms, worst {r['worst']['kill_to_served_ms']:.1f} ms",
                  r["median"]["kill_to_served_ms"] <= limit))
    st = results.get("status")
    if st:
        key = next((k for k in st["medians_ms"] if "sockvisorctl --json status" in k), None)
        if key:
            v = st["medians_ms"][key]
            g.append(("status", "8. `sockvisorctl status --json` @ 1,000 units < 20 ms", f"{v:.1f} ms", v < 20))
    return g


def spawn_section(s, plots_rel):
    bare = s["bare accept+fork/exec (C)"]
    out = ["## 1. Per-connection spawn rate (accept mode)", "",
           "Unix stream socket; the service is `svc_ok` (writes `ok\\n` to stdout and exits), the same binary "
           "for every peer; the client (`client rate`) connects, reads to EOF and checks `ok`. "
           "Latency is per connection (connect → EOF). Reference: the bare accept → fork → exec loop.", "",
           "| peer | seq. conn/s | vs bare | p50 µs | p99 µs | 8 clients conn/s | vs bare | p50 µs | p99 µs |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, m in s.items():
        a, b = m["sequential"], m["8 clients"]
        out.append(f"| {name} | {a['rate']:.0f} | {ratio(a['rate'], bare['sequential']['rate'])} | "
                   f"{a['p50_us']:.0f} | {a['p99_us']:.0f} | {b['rate']:.0f} | "
                   f"{ratio(b['rate'], bare['8 clients']['rate'])} | {b['p50_us']:.0f} | {b['p99_us']:.0f} |")
    out += ["", "Commands: `sockvisord --listen S --accept -- svc_ok`; `systemd-socket-activate --inetd -a -l S svc_ok`; "
            "`s6-ipcserver S svc_ok`; `socat UNIX-LISTEN:S,fork EXEC:svc_ok`; `bare_accept S svc_ok`. "
            "xinetd is left out: it serves TCP/UDP only, not Unix sockets."]
    if plots_rel:
        out += ["", f"![spawn rate]({plots_rel}/spawn_rate.png)"]
    return out


def first_section(f):
    bare = f["bare exec, service binds itself"]["p50_us"]
    out = ["## 2. First-connection activation latency", "",
           "Time from `connect()` to the first byte for a service started by that connection "
           "(`svc_fd3 once`: accept on fd 3, write `ok`, exit). A fresh supervisor per sample. Reference: "
           "exec of the same service that binds the path itself, timed from just before `posix_spawn` "
           "to the first byte (the client retries `connect` until the socket is there).", "",
           "| subject | p50 ms | min ms | vs bare | samples |", "|---|---:|---:|---:|---:|"]
    for name, v in f.items():
        out.append(f"| {name} | {v['p50_us'] / 1000:.2f} | {v['min_us'] / 1000:.2f} | "
                   f"{ratio(v['p50_us'], bare)} | {v['n']} |")
    return out


def data_section(d):
    rows = d["rows"]
    direct = rows["direct (sink binds itself)"]["mib_s"]
    out = ["## 3. Data path", "",
           f"One connection sends {d['mib']} MiB in 64 KiB writes to `sink` (reads it all, answers `ok`); "
           "MiB/s from connect to the answer. sockvisord hands the listening socket to the sink (fd 3) and is "
           "not on the data path; socat and systemd-socket-proxyd relay every byte to the directly bound sink. "
           "Five transfers per path in each run, the four paths in a rotated order each time; the median "
           "is over all of them (one transfer moves ±25 % with where the scheduler puts client and sink).",
           "", "| path | MiB/s | vs direct |", "|---|---:|---:|"]
    for name, v in rows.items():
        out.append(f"| {name} | {v['mib_s']:.0f} | {ratio(v['mib_s'], direct)} |")
    return out


def scale_section(sc, plots_rel):
    sizes = sorted({n for _, n in sc})
    out = ["## 4. Scale: exec → READY=1", "",
           "N pathname sockets in one directory; sockvisord loads N unit files (on-demand, nothing started) "
           "and binds them; the reference binds and listens N sockets in a C loop. Both are started by "
           "`launch_ready` (RLIMIT_NOFILE 65536, NOTIFY_SOCKET) and timed exec → `READY=1`; "
           "then SIGTERM → exit (`stop`). The sockets live on a tmpfs (/dev/shm), as sockvisord's default "
           "runtime dir /run is one: on this machine's ext4 /tmp the bare loop alone needs ~0.85 s for 10,000 "
           "sockets (the kernel's ext4 inode allocator, `find_inode_bit`/`recently_deleted`, dominates), "
           "which would measure the file system, not the supervisor.", "",
           "| units | sockvisord ms | bare loop ms | vs bare | sockvisord stop ms | bare stop ms |",
           "|---:|---:|---:|---:|---:|---:|"]
    for n in sizes:
        sv, bare = sc[("sockvisord", n)], sc[("bare bind loop (C)", n)]
        out.append(f"| {n:,} | {sv['ready_ms']:.1f} | {bare['ready_ms']:.1f} | "
                   f"{ratio(sv['ready_ms'], bare['ready_ms'])} | {sv['stop_ms']:.1f} | {bare['stop_ms']:.1f} |")
    if ("sockvisord", 10000) in sc and ("sockvisord", 1000) in sc:
        out += ["", f"sockvisord 10k/1k = {sc[('sockvisord', 10000)]['ready_ms'] / sc[('sockvisord', 1000)]['ready_ms']:.1f}; "
                f"bare 10k/1k = {sc[('bare bind loop (C)', 10000)]['ready_ms'] / sc[('bare bind loop (C)', 1000)]['ready_ms']:.1f}."]
    if plots_rel:
        out += ["", f"![scale]({plots_rel}/scale.png)"]
    return out


def idle_section(i):
    ref = i["memory"]["sockvisord, 100 on-demand units"]
    out = ["## 5. Idle memory", "",
           "Sum over the supervisor's own processes (services excluded: none is running), from "
           "`/proc/PID/smaps_rollup`. Ratios against sockvisord with 100 units.", "",
           "| supervisor | processes | RSS MiB | PSS MiB | PSS vs sockvisord@100 |", "|---|---:|---:|---:|---:|"]
    for name, m in i["memory"].items():
        out.append(f"| {name} | {m['processes']} | {m['rss_kib'] / MIB:.2f} | {m['pss_kib'] / MIB:.2f} | "
                   f"{ratio(m['pss_kib'], ref['pss_kib'])} |")
    out += ["", f"## 6. Idle wake-ups and CPU ({i['window_s']:.0f} s)", "",
            "Context switches (voluntary + non-voluntary, `/proc/PID/status`) and CPU time (`/proc/PID/stat`) "
            "of the same idle processes over the window, after 1 s to settle.", "",
            "| supervisor | context switches | per second | CPU ms |", "|---|---:|---:|---:|"]
    for name, w in i["wakeups"].items():
        out.append(f"| {name} | {w['ctxsw']:.0f} | {w['ctxsw'] / i['window_s']:.1f} | {w['cpu_ms']:.0f} |")
    return out


def restart_section(r):
    out = ["## 7. Restart gap", "",
           f"A unit running `svc_fd3 loop` (accepts on fd 3 forever), `restart = \"on-failure\"`, "
           f"`restart_delay = \"{r['restart_delay_ms']}ms\"`; a sequential client connects in a loop; the "
           "service's main pid (from `sockvisorctl --json status`) is stopped (SIGSTOP), the connections "
           "it has accepted are counted from `/proc/PID/fd`, then it gets SIGKILL. Kill → served (the "
           "goal): from the SIGKILL to the next connection served; largest gap: the largest interval "
           "between two served connections (it includes the stop); lost: a connection that was "
           "established but never answered; held by the service: of those, the ones in the killed "
           "process's fd table — they die with it under any supervisor; by the supervisor: the rest; "
           "refused: connect failed.", "",
           "| | largest gap ms | kill → next served ms | lost | held by the service | lost by the supervisor "
           "| refused | served |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for label in ("median", "worst"):
        v = r[label]
        out.append(f"| {label} of {r['runs']} runs | {v['max_gap_ms']:.1f} | {v['kill_to_served_ms']:.1f} | "
                   f"{v['lost']:.0f} | {v['held_by_service']:.0f} | {v['lost_by_supervisor']:.0f} | "
                   f"{v['refused']:.0f} | {v['served']:.0f} |")
    return out


def status_section(st):
    return ["## 8. `sockvisorctl status --json`", "",
            "From `integration/bench/status_latency.py` (1,000 on-demand units; `supervisorctl status` with 100 "
            "programs for comparison):", "", st["markdown"]]


def write_report(out, plots_dir, ctx, machine, results, timings, broken, total_s):
    plots_rel = None
    if plots_dir:
        os.makedirs(plots_dir, exist_ok=True)
        plots_rel = os.path.relpath(plots_dir, os.path.dirname(os.path.abspath(out)))
        if "spawn" in results:
            spawn_rate_png(results["spawn"], os.path.join(plots_dir, "spawn_rate.png"), ctx.tmp)
        if "scale" in results:
            scale_png(results["scale"], os.path.join(plots_dir, "scale.png"), ctx.tmp)
    m = machine
    L = ["# Benchmarks", "",
         "Generated by `integration/bench/run" + (" --quick" if ctx.quick else "") + "` on "
         f"{datetime.date.today().isoformat()} at commit `{m['rev']}` in {total_s:.0f} s. "
         "Benchmarks are not tests (ARCHITECTURE rule 14): a missed goal is reported here, "
         "it does not fail the run.", "",
         f"Every figure is the median of {ctx.runs} run(s); subject and peers alternate run by run.", "",
         "## Machine", "",
         f"* {m['nproc']} CPUs: {m['cpu']}", f"* kernel {m['kernel']}",
         f"* load average when the run started: {' '.join(m['loadavg'])} — the machine is shared; "
         "absolute numbers move with the load, ratios much less (peers alternate run by run)",
         f"* sockvisord: {m.get('build') or 'built'} of this commit",
         "* peers (Debian packages): " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), ""]
    if broken:
        L += ["## Harness failures", ""] + [f"* {b}" for b in broken] + [""]
    g = goals(results)
    L += ["## Goals", "", "| goal | result | |", "|---|---|---|"]
    L += [f"| {goal} | {res} | {yes(ok)} |" for _, goal, res, ok in g]
    L += [""]
    for key, fn in (("spawn", lambda v: spawn_section(v, plots_rel)), ("first", first_section),
                    ("data", data_section), ("scale", lambda v: scale_section(v, plots_rel)),
                    ("idle", idle_section), ("restart", restart_section), ("status", status_section)):
        if results.get(key):
            L += fn(results[key]) + [""]
    missed = [(k, goal, res) for k, goal, res, ok in g if not ok]
    L += ["## Misses and causes", ""]
    if not missed:
        L += ["Every goal was met in this run.", ""]
    for key in dict.fromkeys(k for k, _, _ in missed):
        L += [f"### {', '.join(goal for k, goal, _ in missed if k == key)}", ""]
        L += [f"Measured: {'; '.join(res for k, _, res in missed if k == key)}.", ""]
        L += [CAUSES.get(key, "No analysis yet."), ""]
    L += ["## How to reproduce", "", "```sh",
          "integration/bench/run            # full run (< 15 min): rewrites docs/benchmarks.md and docs/benchmarks/*.png",
          "integration/bench/run --quick    # one run of each, short windows (< 1 min); CI: --out build/bench-smoke.md",
          "```", "",
          "The script installs missing peers with apt-get, builds sockvisord in `build-bench/` (Release) and the "
          "C programs in `integration/bench/c/` (`cc -O2`) into `build-bench/bench/`, runs every measure in a "
          "temporary directory under /tmp (Unix sockets only) and kills every process it started when its measure "
          "ends. Time spent per measure in this run: "
          + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + ".", ""]
    with open(out, "w") as f:
        f.write("\n".join(L))

"""Process handling, notify sockets and statistics shared by every measure.

Benchmarks, not tests (ARCHITECTURE rule 14). Every process a measure starts
goes through `Procs`, which kills it by pid (its whole process group) in the
measure's `finally`, so no peer outlives its measure.
"""
import os
import signal
import socket
import statistics
import subprocess
import time


class HarnessError(Exception):
    """The harness itself broke: a peer or the subject did not run at all."""


class Ctx:
    """What every measure needs: paths of the built programs, the mode, a temp dir."""

    def __init__(self, quick, bin_dir, sockvisord, sockvisorctl, tmp, source_dir, run_tmp=None):
        self.quick = quick
        # Where runtime directories go when the file system matters (measure 4):
        # a tmpfs like the /run sockvisord uses in production, else `tmp`.
        self.run_tmp = run_tmp or tmp
        self.bin = bin_dir
        self.sockvisord = sockvisord
        self.sockvisorctl = sockvisorctl
        self.tmp = tmp
        self.source_dir = source_dir
        self.runs = 1 if quick else 5

    def prog(self, name):
        return os.path.join(self.bin, name)

    def dir(self, *parts):
        path = os.path.join(self.tmp, *parts)
        os.makedirs(path, exist_ok=True)
        return path


class Procs:
    """Processes started by one measure; `stop_all` kills each group by pid."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.procs = []

    serial = 0  # one log file per process started, never shared

    def start(self, name, cmd, env=None, cwd=None):
        Procs.serial += 1
        log = open(os.path.join(self.ctx.tmp, f"{name}.{Procs.serial}.log"), "ab")
        full_env = dict(os.environ)
        full_env.update(env or {})
        try:
            p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 env=full_env, cwd=cwd, start_new_session=True, close_fds=True)
        except OSError as e:
            log.close()
            raise HarnessError(f"{name}: cannot start {cmd[0]}: {e}") from e
        p.bench_name, p.bench_log = name, log
        self.procs.append(p)
        return p

    def log_text(self, p):
        with open(p.bench_log.name, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, p, sig=signal.SIGTERM):
        if p.poll() is None:
            try:
                os.killpg(p.pid, sig)  # the group: children of socat, s6-svscan, tini...
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        try:  # stragglers left in the group (a service started by a peer)
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        p.bench_log.close()
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in list(reversed(self.procs)):
            self.stop(p)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()


class Notify:
    """A NOTIFY_SOCKET we own, to wait for READY=1 as systemd would."""

    def __init__(self, path):
        self.path = path
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.bind(path)

    def wait(self, key, proc, timeout=60.0, procs=None):
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log = procs.log_text(proc) if procs else ""
                raise HarnessError(f"{proc.bench_name} exited ({proc.returncode}) before {key}:\n{log[-2000:]}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise HarnessError(f"{proc.bench_name}: no {key} within {timeout}s")
            self.sock.settimeout(min(left, 0.2))
            try:
                if key in self.sock.recv(4096).decode(errors="replace"):
                    return
            except socket.timeout:
                pass

    def close(self):
        self.sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


def start_sockvisord(ctx, procs, name, root, args, timeout=60.0):
    """Start sockvisord with a NOTIFY_SOCKET and wait for its READY=1."""
    notify = Notify(os.path.join(root, "notify.sock"))
    try:
        p = procs.start(name, [ctx.sockvisord, "--runtime-dir", os.path.join(root, "run"), *args],
                        env={"NOTIFY_SOCKET": notify.path})
        notify.wait("READY=1", p, timeout, procs)
    finally:
        notify.close()
    return p


def wait_for(pred, what, timeout=10.0, proc=None, procs=None):
    deadline = time.monotonic() + timeout
    while not pred():
        if proc is not None and proc.poll() is not None:
            log = procs.log_text(proc) if procs else ""
            raise HarnessError(f"{proc.bench_name} exited ({proc.returncode}) while waiting for {what}:\n{log[-2000:]}")
        if time.monotonic() > deadline:
            raise HarnessError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.005)


def connectable(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def run_kv(cmd, timeout=120):
    """Run a bench program that prints key=value pairs; return them as floats."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise HarnessError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-500:]}")
    out = {}
    for word in r.stdout.split():
        if "=" in word:
            k, v = word.split("=", 1)
            out[k] = float(v)
    return out


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def proc_children(pid):
    """Direct children of pid (from /proc/PID/task/*/children)."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except FileNotFoundError:
        pass
    return out


def mem_kib(pid):
    """(RSS, PSS) in KiB from /proc/PID/smaps_rollup."""
    rss = pss = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


def wakeups_and_cpu(pid):
    """(context switches, CPU seconds) of pid so far."""
    ctx = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                ctx += int(line.split()[1])
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return ctx, ticks / os.sysconf("SC_CLK_TCK")

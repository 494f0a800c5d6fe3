"""Shared fixtures for the end-to-end tests.

Every test gets its own short temporary directory (Unix socket paths are limited
to 107 bytes), starts the real sockvisord there, waits for its READY=1 on a
NOTIFY_SOCKET (as systemd would) instead of sleeping, and kills whatever it
started by pid at teardown. The daemon's log is printed when a test fails.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

SOCKVISORD = os.environ.get("SOCKVISORD", "build/sockvisord")
SOCKVISORCTL = os.environ.get("SOCKVISORCTL", "build/sockvisorctl")
SOURCE_DIR = os.environ.get("SOCKVISOR_SOURCE_DIR", os.path.dirname(os.path.dirname(__file__)))
BUILD_DIR = os.environ.get("SOCKVISOR_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
REPORT = os.path.join(BUILD_DIR, "integration", "sv-report")
READY_TIMEOUT = 15.0

# Sanitized build (the ASan + UBSan ctest entries set SOCKVISOR_SANITIZED=1): any
# sanitizer report fails the test, even when the process that printed it exited 0
# or its output was never looked at. ASan/LSan reports of every process that
# inherits the test's environment go to a per-test directory (log_path, set by
# `sanitizer_reports_fail_the_test`); UBSan ignores log_path here (g++ links its
# own libubsan), so its reports are found on stderr: the daemon's log (which also
# holds its services' output: they get a minimal environment, so their reports go
# to stderr too) and the output of ctl() and run_check().
SANITIZED = os.environ.get("SOCKVISOR_SANITIZED") == "1"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
SANITIZED_STOP_TIMEOUT = 10.0


def sanitizer_reports(text):
    """The lines of `text` that start a sanitizer report."""
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


def check_no_sanitizer_report(text, what):
    if SANITIZED and sanitizer_reports(text):
        raise AssertionError(f"sanitizer report in {what}:\n{text}")


def wait_for(predicate, timeout=10.0, interval=0.01, what="condition"):
    """Poll `predicate` until it returns a truthy value; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Daemon:
    """One sockvisord process in its own directory."""

    def __init__(self, root, units=None, args=(), inline=None, env=None, wait_ready=True,
                 runtime_dir=None):
        self.root = root
        self.units_dir = os.path.join(root, "units")
        self.runtime_dir = runtime_dir or os.path.join(root, "run")
        self.log_path = os.path.join(root, "sockvisord.log")
        self.notify_path = os.path.join(root, "parent-notify.sock")
        os.makedirs(self.units_dir, exist_ok=True)
        for name, text in (units or {}).items():
            self.write_unit(name, text)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.notify.bind(self.notify_path)
        self.notify_messages = []
        cmd = [SOCKVISORD, "--runtime-dir", self.runtime_dir, "--log-level", "debug"]
        if units is not None:
            cmd += ["--units", self.units_dir]
        cmd += list(args)
        if inline is not None:
            cmd += list(inline)
        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env["NOTIFY_SOCKET"] = self.notify_path
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log_file, stderr=subprocess.STDOUT,
                                     env=full_env, close_fds=True)
        if wait_ready:
            self.wait_notify("READY=1")

    def write_unit(self, name, text):
        with open(os.path.join(self.units_dir, name + ".toml"), "w") as f:
            f.write(text)

    def path(self, rel):
        return os.path.join(self.runtime_dir, rel)

    def wait_notify(self, key, timeout=READY_TIMEOUT):
        """Wait until sockvisord sends a notify message containing `key`."""
        deadline = time.monotonic() + timeout
        while not any(key in m for m in self.notify_messages):
            if self.proc.poll() is not None:
                raise AssertionError(f"sockvisord exited ({self.proc.returncode}) before {key}:\n"
                                     + self.log())
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {key} from sockvisord in {timeout}s:\n" + self.log())
            self.notify.settimeout(min(left, 0.2))
            try:
                self.notify_messages.append(self.notify.recv(4096).decode())
            except socket.timeout:
                pass

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, text, timeout=10.0):
        return wait_for(lambda: text in self.log(), timeout, what=f"log line {text!r}")

    def send(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=15.0):
        """Signal and wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"sockvisord did not exit within {timeout}s:\n" + self.log())

    def wait_exit(self, timeout=15.0):
        return self.proc.wait(timeout=timeout)

    def cleanup(self):
        if self.proc.poll() is None and SANITIZED:
            # SIGTERM first so LeakSanitizer checks the daemon's exit (SIGKILL skips it).
            self.proc.send_signal(signal.SIGTERM)
            self.proc.send_signal(signal.SIGCONT)
            try:
                self.proc.wait(timeout=SANITIZED_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.notify.close()
        self.log_file.close()

    def ctl(self, *args, check=False):
        cmd = [SOCKVISORCTL, "--control", self.path("control.sock"), *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=check)
        check_no_sanitizer_report(r.stderr, "sockvisorctl's stderr")
        return r


@pytest.fixture
def workdir():
    path = tempfile.mkdtemp(prefix="sv-", dir="/tmp")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def daemon(workdir, request):
    """Factory: daemon(units={...}, args=[...]) starts sockvisord; all are killed at teardown."""
    started = []

    def start(units=None, **kwargs):
        d = Daemon(os.path.join(workdir, f"d{len(started)}"), units=units, **kwargs)
        started.append(d)
        return d

    yield start
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    reported = []
    for d in started:
        d.cleanup()
        if SANITIZED and sanitizer_reports(d.log()):
            reported.append(d)
        if failed or d in reported:
            print(f"---- sockvisord log ({d.log_path}) ----\n{d.log()}")
    if reported:
        pytest.fail("sanitizer report in the log of "
                    + ", ".join(d.log_path for d in reported), pytrace=False)


@pytest.fixture(autouse=True)
def sanitizer_reports_fail_the_test(monkeypatch):
    """Under SOCKVISOR_SANITIZED=1: ASan/LSan reports go to a fresh directory
    (log_path) and any there fails the test at teardown (after the daemons stopped)."""
    if not SANITIZED:
        yield
        return
    reports = tempfile.mkdtemp(prefix="sv-san-", dir="/tmp")
    os.chmod(reports, 0o1777)  # sockvisorctl and services also run as other users
    monkeypatch.setenv("ASAN_OPTIONS",
                       os.environ.get("ASAN_OPTIONS", "") + f":log_path={reports}/asan")
    yield
    found = ""
    for name in sorted(os.listdir(reports)):
        with open(os.path.join(reports, name), "rb") as f:
            text = f.read().decode(errors="replace")
        if sanitizer_reports(text):
            found += f"---- {name} ----\n{text}\n"
    shutil.rmtree(reports, ignore_errors=True)
    if found:
        pytest.fail("sanitizer report(s):\n" + found, pytrace=False)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def run_check(units_dir, *extra):
    r = subprocess.run([SOCKVISORD, "--check", "--units", units_dir, *extra],
                       capture_output=True, text=True, timeout=30)
    check_no_sanitizer_report(r.stderr, "sockvisord --check's stderr")
    return r


# ---- log readers for the restart / notify / adoption tests -----------------
# The daemon's text log: "TIMESTAMP LEVEL NAME: message". These parse the stable
# formats SPEC'd for the tests: "NAME: started pid N", "NAME: FROM → TO (reason)",
# "NAME: pid N exited with code C" / "... killed by signal SIG".
import re as _re
from datetime import datetime as _datetime

SV_REPORT = os.environ.get("SV_REPORT", REPORT)
SERVICES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "services")
_TS = _re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)")


def log_timestamp(line):
    """Seconds (float) of a log line's leading timestamp, or None."""
    m = _TS.match(line)
    return _datetime.fromisoformat(m.group(1)).timestamp() if m else None


def log_started_pids(text, unit):
    """Pids from `UNIT: started pid N` lines, in log order."""
    return [int(m.group(1)) for m in
            _re.finditer(rf"(?m)\b{_re.escape(unit)}: started pid (\d+)", text)]


def log_transitions(text, unit):
    """(from, to, line) for each `UNIT: FROM → TO (...)` line, in log order."""
    out = []
    for line in text.splitlines():
        m = _re.search(rf"\b{_re.escape(unit)}: (\w+) → (\w+)\b", line)
        if m:
            out.append((m.group(1), m.group(2), line))
    return out


def pid_alive(pid):
    """True when pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


# ---- unit files for tests ---------------------------------------------------------

def toml_value(v):
    """A Python value as TOML: bools, numbers, lists, and strings (JSON strings are
    valid TOML basic strings)."""
    import json
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(v)


def unit_toml(listeners, exec_argv, **service):
    """A unit file: `listeners` are addresses or dicts of [[listen]] keys; `service`
    keys are Python values."""
    text = ""
    for lst in listeners:
        if isinstance(lst, str):
            lst = {"address": lst}
        text += "[[listen]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in lst.items())
        text += "\n"
    text += f"[service]\nexec = {toml_value(list(exec_argv))}\n"
    text += "".join(f"{k} = {toml_value(v)}\n" for k, v in service.items())
    return text


def single_listener_unit(address, exec_argv, **service):
    """A unit with one [[listen]]; `service` values are TOML text as written."""
    argv = "[" + ", ".join('"' + a + '"' for a in exec_argv) + "]"
    text = f'[[listen]]\naddress = "{address}"\n\n[service]\nexec = {argv}\n'
    for k, v in service.items():
        text += f"{k} = {v}\n"
    return text


def unix_fds_named(pid, name):
    """{socket inode: fd} of `pid`'s Unix sockets whose bound name is `name`."""
    names = {}
    with open("/proc/net/unix") as f:
        for line in f.read().splitlines()[1:]:
            parts = line.split()
            if len(parts) >= 8:
                names[int(parts[6])] = parts[7]
    found = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            m = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            continue
        if m and names.get(int(m.group(1))) == name:
            found[int(m.group(1))] = int(fd)
    return found


# ---- clients ------------------------------------------------------------------------

def free_port(family=socket.AF_INET, kind=socket.SOCK_STREAM):
    """A loopback port that was free a moment ago (the kernel picked it)."""
    with socket.socket(family, kind) as s:
        s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        return s.getsockname()[1]


def read_to_eof(address, timeout=10.0):
    """Connect to a Unix path or a (host, port) pair, read to EOF; the bytes read.
    Connect errors propagate (ECONNREFUSED is what a restart must never cause)."""
    family = socket.AF_INET if isinstance(address, tuple) else socket.AF_UNIX
    with socket.socket(family, socket.SOCK_STREAM) as c:
        c.settimeout(timeout)
        c.connect(address)
        data = b""
        while chunk := c.recv(4096):
            data += chunk
        return data


class ClientLoops:
    """Clients connecting back to back from a few threads while a test kills,
    restarts or reloads the service, classifying every attempt: answered (any reply,
    counted by its words; "ok PID ..." also by PID), refused, other connect errors,
    closed without a reply, or no reply in time. `with ClientLoops(...)` or
    start()/stop()."""

    def __init__(self, address, loops=3):
        self.address = address
        self.family = socket.AF_INET if isinstance(address, tuple) else socket.AF_UNIX
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.answered = 0
        self.answers = {}            # reply, words joined by one space -> count
        self.answered_by = {}        # pid of an "ok PID" reply -> count
        self.refused = 0             # ECONNREFUSED
        self.connect_errors = []     # any other failure to connect (ENOENT, EAGAIN, timeout...)
        self.eof = []                # times: connected, then EOF before an answer
        self.reset = []              # times: connected, then ECONNRESET/EPIPE before an answer
        self.unanswered = []         # connected, no answer and no EOF within the timeout
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(loops)]

    @property
    def lost(self):
        """Connections that were accepted and closed without an answer."""
        return len(self.eof) + len(self.reset)

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=30)

    __enter__ = start

    def __exit__(self, *exc):
        self.stop()

    def answers_from(self, pid):
        with self.lock:
            return self.answered_by.get(pid, 0)

    def _run(self):
        while not self.stop_flag.is_set():
            with socket.socket(self.family, socket.SOCK_STREAM) as c:
                c.settimeout(10)
                try:
                    c.connect(self.address)
                except ConnectionRefusedError:
                    with self.lock:
                        self.refused += 1
                    continue
                except OSError as e:
                    with self.lock:
                        self.connect_errors.append(repr(e))
                    continue
                data, was_reset = b"", False
                try:
                    while chunk := c.recv(256):
                        data += chunk
                except (ConnectionResetError, BrokenPipeError):
                    was_reset = True
                except socket.timeout:
                    with self.lock:
                        self.unanswered.append(data)
                    continue
                words = data.decode(errors="replace").split()
                with self.lock:
                    if words:
                        self.answered += 1
                        text = " ".join(words)
                        self.answers[text] = self.answers.get(text, 0) + 1
                        if words[0] == "ok" and len(words) > 1 and words[1].isdigit():
                            pid = int(words[1])
                            self.answered_by[pid] = self.answered_by.get(pid, 0) + 1
                    else:
                        (self.reset if was_reset else self.eof).append(time.monotonic())

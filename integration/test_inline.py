"""Inline mode (`sockvisord --listen ADDRESS ... -- COMMAND`), from the outside.

With `--eager --restart no` sockvisord behaves like tini: it exits when its
service exits, with the service's status (128+N when killed by signal N). The
implicit unit is named after COMMAND's base name. Errors in inline options
are reported before anything is bound (SPEC §1.1 exit statuses).
"""
import json
import os
import shutil
import signal
import socket
import stat
import subprocess

import pytest

import conftest
from conftest import wait_for

EXIT_CONFIG, EXIT_USAGE = 1, 2  # SPEC §1.1: 1 startup failed (configuration), 2 usage error


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def read_report(path, timeout=10.0):
    wait_for(lambda: os.path.exists(path), timeout, what=f"report {path}")
    with open(path) as f:
        return json.load(f)


def tini_style(cmd):
    return ["--listen", "x.sock", "--eager", "--restart", "no", "--", *cmd]


def exit_status(d, timeout=10):
    try:
        return d.wait_exit(timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"sockvisord still running after {timeout}s:\n" + d.log())


@pytest.mark.parametrize("code", [0, 1, 7, 255])
def test_exits_with_the_service_exit_code(daemon, code):
    d = daemon(inline=tini_style(["sh", "-c", f"exit {code}"]), wait_ready=False)
    assert exit_status(d) == code
    assert "sh: bound" in d.log()  # the implicit unit is named after the command


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_exits_with_128_plus_the_signal_that_killed_the_service(daemon, sig):
    d = daemon(inline=tini_style(["sh", "-c", f"kill -{int(sig)} $$"]), wait_ready=False)
    assert exit_status(d) == 128 + int(sig)
    assert f"killed by signal {sig.name}" in d.log()


def test_exit_status_waits_for_a_running_service(daemon, workdir):
    flag = os.path.join(workdir, "go")
    d = daemon(inline=tini_style(["sh", "-c", f"while [ ! -e {flag} ]; do sleep 0.05; done; "
                                              "exit 42"]))
    assert d.proc.poll() is None, "sockvisord must wait for its service"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(d.path("x.sock"))  # bound while the service runs
    open(flag, "w").close()
    assert exit_status(d) == 42


def test_exit_with_the_service_stops_what_it_left_behind(daemon, workdir):
    pid_file = os.path.join(workdir, "bg")
    d = daemon(inline=tini_style(["sh", "-c", f"sleep 60 & echo $! > {pid_file}.tmp; "
                                              f"mv {pid_file}.tmp {pid_file}; exit 3"]),
               wait_ready=False)
    assert exit_status(d, timeout=20) == 3
    with open(pid_file) as f:
        background = int(f.read())
    left = alive(background)
    if left:
        os.kill(background, signal.SIGKILL)  # ours: clean up before failing
    assert not left, "sockvisord exited and left its service's child running"
    assert not os.path.lexists(d.path("x.sock"))


def test_inline_listen_options_reach_the_service(daemon, workdir):
    out = os.path.join(workdir, "report.json")
    d = daemon(inline=["--listen", "a.sock", "--listen", "b/b.sock", "--type", "seqpacket",
                       "--name", "web", "--mode", "0600", "--eager", "--",
                       os.environ.get("SV_REPORT", conftest.REPORT), "--out", out, "--sleep", "30"])
    r = read_report(out)
    assert (r["env"]["LISTEN_FDS"], r["env"]["LISTEN_FDNAMES"]) == ("2", "web:web")
    socks = [(f["fd"], f["socket"]["address"], f["socket"]["type"])
             for f in r["fds"] if "socket" in f]
    assert socks == [(3, d.path("a.sock"), "seqpacket"), (4, d.path("b/b.sock"), "seqpacket")]
    for p in ("a.sock", "b/b.sock"):
        assert stat.S_IMODE(os.lstat(d.path(p)).st_mode) == 0o600
    assert "sv-report: bound" in d.log()
    assert d.stop() == 0


@pytest.mark.skipif(not shutil.which("socat"), reason="needs socat")
def test_inline_accept_cat_echoes(daemon):
    d = daemon(inline=["--listen", "echo.sock", "--accept", "--", "/bin/cat"])
    r = subprocess.run(["sh", "-c", 'echo hi | socat -t 5 - "UNIX-CONNECT:$1"', "sh",
                        d.path("echo.sock")], capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stdout) == (0, "hi\n"), r.stderr
    assert "cat: bound" in d.log()
    assert d.stop() == 0


def test_bad_inline_mode_is_a_configuration_error(daemon):
    # A well-formed command line whose --mode is not a valid socket mode: the implicit
    # unit is invalid, nothing else would run, so startup fails (exit 1) and says why.
    d = daemon(inline=["--listen", "x.sock", "--mode", "0999", "--", "/bin/cat"],
               wait_ready=False)
    assert exit_status(d) == EXIT_CONFIG
    log = d.log()
    assert "mode" in log and "0999" in log, log
    assert not os.path.lexists(d.path("x.sock"))
    assert not any("READY=1" in m for m in d.notify_messages)


@pytest.mark.parametrize("args,says", [
    (["--listen", "x.sock", "--bogus", "--", "/bin/cat"], "--bogus"),
    (["--listen", "x.sock"], "command"),
    (["--", "/bin/cat"], "--listen"),
])
def test_malformed_inline_command_line_is_a_usage_error(daemon, args, says):
    d = daemon(inline=args, wait_ready=False)
    assert exit_status(d) == EXIT_USAGE
    assert says in d.log()
    assert not os.path.lexists(d.path("x.sock"))

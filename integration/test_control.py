"""sockvisorctl and the control socket, from the outside (SPEC §1.2, §4, §7, §8).

What a user checks: the status table and `--json` document for every state, the
exit codes, that `stop` keeps the socket bound (a client waits in the backlog and
nothing starts) and `start` serves it, who may run what on the control socket, and
that malformed requests get error replies and never hurt the daemon.

Services are integration/services/ct_serve.py (answers "WORD NAME PID" on every
listener it was given), or `sh -c "exit 1"` for crash loops.
"""
import grp
import json
import os
import pwd
import re
import socket
import subprocess
import threading
import time

import pytest

from conftest import (SERVICES_DIR, SOCKVISORCTL, fd_count, pid_alive, read_to_eof, unit_toml,
                      unix_fds_named, wait_for)

SERVE = os.path.join(SERVICES_DIR, "ct_serve.py")
PY = "/usr/bin/python3"
HEADER = ["UNIT", "STATE", "PID", "UPTIME", "RESTARTS", "CONNECTIONS", "LISTEN"]
UNIT_FIELDS = ["name", "state", "pid", "since", "uptime_s", "restarts", "accepted", "active",
               "status_text", "last_exit", "listen"]
LISTEN_FIELDS = ["address", "type", "name", "mode", "owner", "group", "fd"]


# ---- unit files ------------------------------------------------------------------

unit = unit_toml  # shared with the other tests (conftest.py)


def serve(word="ok", *extra):
    return [PY, SERVE, word, *extra]


# ---- clients -----------------------------------------------------------------------

def ask(path, timeout=10.0):
    """Connect, read to EOF; returns the answer as text."""
    return read_to_eof(path, timeout).decode()


def read_line(sock, timeout=5.0):
    """Bytes up to and including the first newline (or to EOF)."""
    sock.settimeout(timeout)
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def raw_request(path, payload, timeout=5.0):
    """One request on its own connection; returns the parsed reply line."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(timeout)
        c.connect(path)
        c.sendall(payload)
        line = read_line(c, timeout)
    assert line.endswith(b"\n") and line.count(b"\n") == 1, line
    return json.loads(line)


def closed_by_peer(sock, timeout):
    """True when the peer closes `sock` (EOF or reset) within `timeout`."""
    sock.settimeout(timeout)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def unix_sockets_at(pid, path):
    """The fds of `pid` that are Unix sockets named `path` (a listener, and the
    connections accepted from it, which carry its name in /proc/net/unix)."""
    return list(unix_fds_named(pid, path).values())


# ---- status -----------------------------------------------------------------------

def status_json(d, *units):
    r = d.ctl("--json", "status", *units)
    doc = json.loads(r.stdout) if r.stdout.strip() else None
    return r.returncode, doc


def unit_status(d, name):
    rc, doc = status_json(d, name)
    assert doc is not None, f"status {name} exited {rc} with no document"
    (u,) = doc["units"]
    return u


def wait_state(d, name, state, timeout=10.0):
    return wait_for(lambda: (lambda u: u if u["state"] == state else None)(unit_status(d, name)),
                    timeout, what=f"{name} in state {state}")


def parse_table(text):
    """{unit: {column: cell}}; checks the header, alignment and no trailing blanks."""
    lines = text.rstrip("\n").split("\n")
    assert re.split(r" {2,}", lines[0]) == HEADER, lines[0]
    starts = [lines[0].index(h) for h in HEADER]
    rows = {}
    for line in lines[1:]:
        assert line == line.rstrip(), f"trailing blanks: {line!r}"
        cells = re.split(r" {2,}", line, maxsplit=len(HEADER) - 1)
        assert len(cells) == len(HEADER), line
        # padded to the widest cell: every cell starts under its header
        pos = 0
        for cell, start in zip(cells, starts):
            pos = line.index(cell, pos)
            assert pos == start, f"column of {cell!r} starts at {pos}, header at {start}: {line!r}"
            pos += len(cell)
        rows[cells[0]] = dict(zip(HEADER, cells))
    return rows


# One unit per test, in the state named by the parameter. Its listeners: a pathname
# socket with an explicit mode and group, and an abstract one named "second".
STATE_SERVICES = {
    "listening": dict(exec=serve("web")),
    "starting": dict(exec=serve("web"), start="eager", ready="notify", start_timeout="60s"),
    "running": dict(exec=serve("web"), start="eager"),
    "backoff": dict(exec=["/bin/sh", "-c", "exit 1"], start="eager", restart_delay="5s"),
    "failed": dict(exec=["/bin/sh", "-c", "exit 1"], start="eager", restart_delay="100ms",
                   start_limit_burst=1),
    "stopped": dict(exec=serve("web")),
}
EXIT_FOR_STATE = {"listening": 0, "starting": 0, "running": 0, "backoff": 3, "failed": 3,
                  "stopped": 3}


@pytest.mark.parametrize("state", list(STATE_SERVICES))
def test_status_shows_each_state_as_table_and_json(daemon, workdir, state):
    sock = os.path.join(workdir, "web.sock")
    abstract = f"@sv-ct-{os.getpid()}-{state}"
    svc = dict(STATE_SERVICES[state])
    argv = svc.pop("exec")
    t0 = time.time()
    d = daemon(units={"web": unit([{"address": sock, "mode": "0640", "group": "nogroup"},
                                   {"address": abstract, "name": "second"}], argv, **svc)})
    if state == "stopped":
        r = d.ctl("stop", "web")
        assert r.returncode == 0, r.stderr
    if state in ("starting", "running"):
        wait_for(lambda: unit_status(d, "web")["pid"], what="a service pid")
    if state == "starting":
        time.sleep(0.3)  # it must stay `starting`: it never sends READY=1
    u = wait_state(d, "web", state)

    # --json: the document of SPEC §7, every field present, in order
    rc, doc = status_json(d, "web")
    assert rc == EXIT_FOR_STATE[state]
    assert list(doc) == ["units"]
    (u,) = doc["units"]
    assert list(u) == UNIT_FIELDS
    assert u["name"] == "web" and u["state"] == state
    assert u["restarts"] >= 0 and isinstance(u["restarts"], int)
    assert u["accepted"] is None and u["active"] is None  # not an accept = true unit
    assert u["status_text"] is None
    assert isinstance(u["since"], float) and t0 - 1 <= u["since"] <= time.time() + 1
    if state in ("starting", "running"):
        assert isinstance(u["pid"], int) and pid_alive(u["pid"])
        assert 0 <= u["uptime_s"] < 60
        with open(f"/proc/{u['pid']}/cmdline", "rb") as f:
            assert SERVE.encode() in f.read()
    else:
        assert u["pid"] is None and u["uptime_s"] is None
    if state in ("backoff", "failed"):
        assert set(u["last_exit"]) == {"code", "signal", "at"}
        assert u["last_exit"]["code"] == 1 and u["last_exit"]["signal"] is None
        assert t0 - 1 <= u["last_exit"]["at"] <= time.time() + 1
    else:
        assert u["last_exit"] is None
    assert [list(lst) for lst in u["listen"]] == [LISTEN_FIELDS, LISTEN_FIELDS]
    assert u["listen"] == [
        {"address": sock, "type": "stream", "name": "web", "mode": "0640",
         "owner": "root", "group": "nogroup", "fd": 3},
        {"address": abstract, "type": "stream", "name": "second", "mode": None,
         "owner": None, "group": None, "fd": 4},
    ]

    # the table
    r = d.ctl("status", "web")
    assert r.returncode == EXIT_FOR_STATE[state], r.stderr
    row = parse_table(r.stdout)["web"]
    assert row["STATE"] == state
    assert row["PID"] == (str(u["pid"]) if u["pid"] else "-")
    if u["pid"]:
        assert re.fullmatch(r"\d+[smhd](\d+[smhd])?", row["UPTIME"]), row["UPTIME"]
    else:
        assert row["UPTIME"] == "-"
    assert row["RESTARTS"] == str(u["restarts"])
    assert row["CONNECTIONS"] == "-"
    assert row["LISTEN"] == f"{sock}(stream,0640,root:nogroup) {abstract}(stream)"

    # whatever the state, the socket is bound: a client's connect succeeds
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(sock)


def test_status_of_every_unit_and_exit_codes(daemon, workdir):
    d = daemon(units={
        "a-up": unit([os.path.join(workdir, "a.sock")], serve("a")),
        "b-up": unit([os.path.join(workdir, "b.sock")], serve("b"), start="eager"),
        "c-down": unit([os.path.join(workdir, "c.sock")], serve("c")),
    })
    wait_state(d, "b-up", "running")
    r = d.ctl("status")
    assert r.returncode == 0, r.stdout + r.stderr
    assert list(parse_table(r.stdout)) == ["a-up", "b-up", "c-down"]  # the daemon's order
    # the named ones, in the order given
    rc, doc = status_json(d, "c-down", "a-up")
    assert rc == 0 and [u["name"] for u in doc["units"]] == ["c-down", "a-up"]

    assert d.ctl("stop", "c-down").returncode == 0
    wait_state(d, "c-down", "stopped")
    assert d.ctl("status").returncode == 3           # one shown unit is down
    assert d.ctl("--json", "status").returncode == 3
    assert d.ctl("status", "a-up", "b-up").returncode == 0  # the shown ones are up
    assert d.ctl("status", "--json", "a-up").returncode == 0  # --json after the command

    # an unknown unit: 4, and the message names it
    r = d.ctl("status", "nope")
    assert r.returncode == 4 and "no such unit: nope" in r.stderr, r
    r = d.ctl("status", "a-up", "nope")
    assert r.returncode == 4 and "nope" in r.stderr, r
    for cmd in ("start", "stop", "restart"):
        r = d.ctl(cmd, "nope")
        assert r.returncode == 4 and "no such unit: nope" in r.stderr, (cmd, r)

    # usage errors: 2, nothing sent
    for args in (["bogus"], [], ["status", "bad/name"], ["stop"], ["--bogus", "status"],
                 ["status", "x" * 65]):
        r = d.ctl(*args)
        assert r.returncode == 2, (args, r)
    assert d.proc.poll() is None


def test_unreachable_daemon_exits_1_naming_the_path_and_errno(daemon, workdir):
    missing = os.path.join(workdir, "no-such-dir", "control.sock")
    r = subprocess.run([SOCKVISORCTL, "--control", missing, "status"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert missing in r.stderr and "No such file or directory" in r.stderr, r.stderr

    # a socket file nobody listens on: ECONNREFUSED
    stale = os.path.join(workdir, "stale.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(stale)
        r = subprocess.run([SOCKVISORCTL, "--control", stale, "--json", "status"],
                           capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert stale in r.stderr and "Connection refused" in r.stderr, r.stderr
    assert r.stdout == ""

    # a daemon that has shut down
    d = daemon(units={"web": unit([os.path.join(workdir, "web.sock")], serve())})
    assert d.ctl("status").returncode == 0
    assert d.stop() == 0
    r = d.ctl("stop", "web")
    assert r.returncode == 1 and d.path("control.sock") in r.stderr, r.stderr


# ---- start / stop / restart ---------------------------------------------------------

def test_stop_keeps_the_socket_bound_and_start_serves_the_waiting_client(daemon, workdir):
    sock = os.path.join(workdir, "web.sock")
    d = daemon(units={"web": unit([sock], serve("web"))})
    word, name, pid1 = ask(sock).split()
    assert (word, name) == ("web", "web")
    pid1 = int(pid1)
    assert unit_status(d, "web")["pid"] == pid1

    r = d.ctl("stop", "web")
    assert r.returncode == 0 and r.stdout == "", r
    wait_for(lambda: not pid_alive(pid1), what="the service to exit")
    wait_state(d, "web", "stopped")
    assert os.path.exists(sock)
    starts = d.log().count("web: started pid")

    # the address is still held: connect succeeds and the client waits in the backlog
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c.connect(sock)
        c.settimeout(1.5)
        with pytest.raises(socket.timeout):
            c.recv(100)
        # ... and nothing was started for it
        assert d.log().count("web: started pid") == starts
        u = unit_status(d, "web")
        assert u["state"] == "stopped" and u["pid"] is None
        assert d.ctl("status", "web").returncode == 3

        r = d.ctl("start", "web")
        assert r.returncode == 0, r
        c.settimeout(10)
        answer = read_line(c, 10).decode().split()
    finally:
        c.close()
    assert answer[:2] == ["web", "web"] and int(answer[2]) != pid1
    assert unit_status(d, "web")["state"] == "running"
    assert d.ctl("status", "web").returncode == 0


def test_stop_of_a_listening_unit_then_start_rearms_it(daemon, workdir):
    sock = os.path.join(workdir, "web.sock")
    d = daemon(units={"web": unit([sock], serve("web"))})
    r = d.ctl("--json", "stop", "web")
    assert r.returncode == 0 and json.loads(r.stdout) == {"units": ["web"]}, r
    wait_state(d, "web", "stopped")
    assert d.ctl("start", "web").returncode == 0
    wait_state(d, "web", "listening")
    assert ask(sock).split()[:2] == ["web", "web"]


def test_restart_gives_a_new_pid_and_keeps_the_socket(daemon, workdir):
    sock = os.path.join(workdir, "web.sock")
    d = daemon(units={"web": unit([sock], serve("web"), start="eager")})
    pid1 = wait_state(d, "web", "running")["pid"]
    ino = os.stat(sock).st_ino
    r = d.ctl("restart", "web")
    assert r.returncode == 0, r
    u = wait_for(lambda: (lambda u: u if u["state"] == "running" and u["pid"] not in (None, pid1)
                          else None)(unit_status(d, "web")), what="a new pid")
    assert not pid_alive(pid1)
    assert ask(sock).split() == ["web", "web", str(u["pid"])]
    assert os.stat(sock).st_ino == ino


def test_restarts_counts_only_the_restart_policy(daemon, workdir):
    sock = os.path.join(workdir, "web.sock")
    d = daemon(units={"web": unit([sock], serve("web"), start="eager")})
    pid1 = wait_state(d, "web", "running")["pid"]
    assert d.ctl("restart", "web").returncode == 0
    u = wait_for(lambda: (lambda u: u if u["state"] == "running" and u["pid"] not in (None, pid1)
                          else None)(unit_status(d, "web")), what="a new pid")
    assert u["restarts"] == 0
    assert parse_table(d.ctl("status").stdout)["web"]["RESTARTS"] == "0"


def test_start_clears_failed(daemon, workdir):
    sock = os.path.join(workdir, "web.sock")
    marker = os.path.join(workdir, "crash")
    open(marker, "w").close()
    d = daemon(units={"web": unit([sock], serve("web", "--exit-if", marker), start="eager",
                                  restart_delay="100ms", start_limit_burst=1)})
    u = wait_state(d, "web", "failed")
    assert u["last_exit"]["code"] == 1
    assert d.ctl("status").returncode == 3
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c.connect(sock)  # failed keeps the socket bound: the client waits
        os.unlink(marker)
        r = d.ctl("start", "web")
        assert r.returncode == 0, r
        answer = read_line(c, 10).decode().split()
    finally:
        c.close()
    u = unit_status(d, "web")
    assert u["state"] == "running" and answer == ["web", "web", str(u["pid"])]
    assert d.ctl("status").returncode == 0


def test_a_missing_unit_means_nothing_is_done(daemon, workdir):
    sock = os.path.join(workdir, "web.sock")
    d = daemon(units={"web": unit([sock], serve("web"), start="eager")})
    pid = wait_state(d, "web", "running")["pid"]
    r = d.ctl("stop", "web", "nope")
    assert r.returncode == 4 and "nope" in r.stderr, r
    time.sleep(0.3)
    u = unit_status(d, "web")
    assert u["state"] == "running" and u["pid"] == pid and pid_alive(pid)


# ---- permissions -------------------------------------------------------------------

def _delete_account(user, group):
    subprocess.run(["userdel", user], capture_output=True)
    subprocess.run(["groupdel", group], capture_output=True)


@pytest.fixture
def operator_account():
    """A system user (primary group nogroup) who is a supplementary member of a new
    system group; both removed at teardown."""
    tag = f"svct{os.getpid() % 100000}"
    user, group = tag + "u", tag + "g"
    _delete_account(user, group)  # a leftover of a killed run
    subprocess.run(["groupadd", "--system", group], check=True)
    try:
        subprocess.run(["useradd", "--system", "--no-create-home", "--no-user-group",
                        "--gid", "nogroup", "--groups", group, "--shell", "/usr/sbin/nologin",
                        user], check=True)
        yield user, group
    finally:
        _delete_account(user, group)


def as_user(user, *cmd):
    return subprocess.run(["runuser", "-u", user, "--", *cmd], capture_output=True, text=True,
                          timeout=30)


RAW_CLIENT = r"""
import json, socket, sys
c = socket.socket(socket.AF_UNIX)
c.settimeout(10)
c.connect(sys.argv[1])
c.sendall(sys.argv[2].encode() + b"\n")
data = b""
while not data.endswith(b"\n"):
    chunk = c.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode(), end="")
"""


def test_control_socket_refuses_users_outside_the_control_group(daemon, workdir,
                                                                 operator_account):
    user, _ = operator_account
    sock = os.path.join(workdir, "web.sock")
    d = daemon(units={"web": unit([sock], serve("web"), start="eager")})
    st = os.stat(d.path("control.sock"))
    assert oct(st.st_mode & 0o7777) == "0o660" and st.st_gid == 0
    pid = wait_state(d, "web", "running")["pid"]
    for args in (["status"], ["stop", "web"]):
        r = as_user(user, SOCKVISORCTL, "--control", d.path("control.sock"), *args)
        assert r.returncode == 1, r
        assert "permission denied" in r.stderr.lower() and d.path("control.sock") in r.stderr, r
    assert unit_status(d, "web")["pid"] == pid


def test_control_group_members_may_run_status_only(daemon, workdir, operator_account):
    user, group = operator_account
    uid, gid = pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid
    sock = os.path.join(workdir, "web.sock")
    d = daemon(units={"web": unit([sock], serve("web"), start="eager")},
               args=["--control-group", group])
    ctl_path = d.path("control.sock")
    st = os.stat(ctl_path)
    assert oct(st.st_mode & 0o7777) == "0o660" and st.st_gid == gid
    pid = wait_state(d, "web", "running")["pid"]
    ctl = [SOCKVISORCTL, "--control", ctl_path]

    # a supplementary member (runuser initialises the groups)
    r = as_user(user, *ctl, "status")
    assert r.returncode == 0 and "web" in parse_table(r.stdout), r
    r = as_user(user, *ctl, "--json", "status", "web")
    assert r.returncode == 0 and json.loads(r.stdout)["units"][0]["pid"] == pid, r
    for args in (["stop", "web"], ["restart", "web"], ["start", "web"], ["reload"]):
        r = as_user(user, *ctl, *args)
        assert r.returncode == 1, (args, r)
        assert "permission denied" in r.stderr.lower() and f"uid {uid}" in r.stderr, (args, r)
    # the raw protocol says why, with its code
    reply = json.loads(as_user(user, PY, "-c", RAW_CLIENT, ctl_path,
                               '{"cmd": "stop", "units": ["web"]}').stdout)
    assert reply["ok"] is False and reply["code"] == "permission_denied", reply
    assert reply["error"].startswith(f"permission denied: uid {uid} may not run 'stop'"), reply

    # a primary member, no supplementary groups (setpriv)
    r = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                        *ctl, "status", "web"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r
    r = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                        *ctl, "stop", "web"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "permission denied" in r.stderr.lower(), r

    # a user in neither group is stopped by the socket's mode (nobody:nogroup)
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                        *ctl, "status"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "Permission denied" in r.stderr, r

    # nothing was stopped on the way
    u = unit_status(d, "web")
    assert u["state"] == "running" and u["pid"] == pid


# ---- malformed requests --------------------------------------------------------------

CORPUS = [
    ("invalid JSON", b"{not json\n", "bad_request"),
    ("empty line", b"\n", "bad_request"),
    ("a JSON array", b'["status"]\n', "bad_request"),
    ("a JSON string", b'"status"\n', "bad_request"),
    ("missing cmd", b'{"units": []}\n', "bad_request"),
    ("cmd not a string", b'{"cmd": 5}\n', "bad_request"),
    ("unknown command", b'{"cmd": "frobnicate"}\n', "unknown_command"),
    ("units not an array", b'{"cmd": "status", "units": "web"}\n', "bad_request"),
    ("units of numbers", b'{"cmd": "status", "units": [1]}\n', "bad_request"),
    ("invalid unit name", b'{"cmd": "status", "units": ["../etc"]}\n', "bad_request"),
    ("unknown field", b'{"cmd": "status", "unit": ["web"]}\n', "bad_request"),
    ("something after the object", b'{"cmd": "status"} {}\n', "bad_request"),
    ("stop without units", b'{"cmd": "stop", "units": []}\n', "bad_request"),
    ("reload with units", b'{"cmd": "reload", "units": ["web"]}\n', "bad_request"),
    ("a NUL byte in a string", b'{"cmd": "sta\x00tus"}\n', "bad_request"),
    ("non-UTF-8 bytes", b'{"cmd": "status", "units": ["w\xff\xfeb"]}\n', "bad_request"),
    ("non-UTF-8 command", b'{"cmd": "\xc0\xafstatus"}\n', "bad_request"),
    ("unknown unit", b'{"cmd": "status", "units": ["nope"]}\n', "no_such_unit"),
]


def test_a_nul_byte_after_the_object_is_a_bad_request(daemon):
    d = daemon(units={})
    for payload in (b'{"cmd": "status"}\x00\n', b'{"cmd": "status"}\x00 garbage {{\n'):
        reply = raw_request(d.path("control.sock"), payload)
        assert reply["ok"] is False and reply["code"] == "bad_request", (payload, reply)


def test_malformed_requests_get_error_replies_and_never_hurt_the_daemon(daemon, workdir):
    sock = os.path.join(workdir, "web.sock")
    d = daemon(units={"web": unit([sock], serve("web"), start="eager")})
    ctl_path = d.path("control.sock")
    dpid = d.proc.pid
    svc_pid = wait_state(d, "web", "running")["pid"]
    assert len(unix_sockets_at(dpid, ctl_path)) >= 1  # the listener is found this way

    # two slow peers, checked against the idle timeout at the end: one sends
    # nothing, one half a request (control_limits.hpp: 10 s)
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    idle.connect(ctl_path)
    loris = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    loris.connect(ctl_path)
    loris.sendall(b'{"cmd": "sta')
    idle_since = time.monotonic()

    for what, payload, code in CORPUS:
        reply = raw_request(ctl_path, payload)
        assert reply["ok"] is False and reply["code"] == code, (what, reply)
        assert isinstance(reply["error"], str) and reply["error"], (what, reply)

    # a well-formed request for comparison (the corpus is not refused wholesale)
    reply = raw_request(ctl_path, b'{"cmd": "status", "units": []}\n')
    assert reply["ok"] is True and reply["units"][0]["pid"] == svc_pid

    # several requests pipelined on one connection: one reply each, in order
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(ctl_path)
        c.sendall(b'{"cmd":"status"}\n{"cmd":"nope"}\n[]\n{"cmd":"status","units":["web"]}\n')
        c.shutdown(socket.SHUT_WR)
        c.settimeout(5)
        data = b""
        while chunk := c.recv(65536):
            data += chunk
        replies = [json.loads(line) for line in data.split(b"\n")[:-1]]
        assert data.endswith(b"\n") and len(replies) == 4, data
    assert [r.get("code") for r in replies] == [None, "unknown_command", "bad_request", None]
    assert replies[0]["ok"] and replies[3]["ok"]

    # half-closed client: request, shutdown(SHUT_WR), still gets its reply ...
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(ctl_path)
        c.sendall(b'{"cmd": "status"}\n')
        c.shutdown(socket.SHUT_WR)
        line = read_line(c)
        assert json.loads(line)["ok"] is True
        assert closed_by_peer(c, 5)
    # ... also when the final line has no newline
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(ctl_path)
        c.sendall(b'{"cmd": "frobnicate"}')
        c.shutdown(socket.SHUT_WR)
        assert json.loads(read_line(c))["code"] == "unknown_command"

    # a 1 MiB line: too_large, then the connection is closed
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(ctl_path)
        big = b'{"cmd": "status", "units": ["' + b"a" * (1 << 20) + b'"]}\n'

        def push():
            try:
                c.sendall(big)
            except OSError:  # EPIPE / ECONNRESET once the daemon closed: expected
                pass
        sender = threading.Thread(target=push, daemon=True)
        sender.start()
        line = read_line(c, 10)
        reply = json.loads(line)
        assert reply["ok"] is False and reply["code"] == "too_large", reply
        assert closed_by_peer(c, 5)
        sender.join(10)
        assert not sender.is_alive()

    # the slow peers are closed after the idle timeout (10 s), not before
    assert not closed_by_peer(idle, 0.1)
    for s in (idle, loris):
        left = idle_since + 15 - time.monotonic()
        assert closed_by_peer(s, max(left, 0.1)), "an idle client was not closed within 15 s"
        s.close()
    assert time.monotonic() - idle_since >= 9.0

    # a flood of 100 idle connections does not keep status from being answered
    flood = []
    try:
        for _ in range(100):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            flood.append(s)
            s.connect(ctl_path)
        t = time.monotonic()
        r = d.ctl("status")
        took = time.monotonic() - t
        assert r.returncode == 0 and took < 1.0, (r, took)
        # the daemon holds at most 64 of them (the least recently active are closed)
        wait_for(lambda: sum(1 for s in flood if closed_by_peer(s, 0.001)) >= 100 - 64,
                 timeout=5, what="the oldest idle clients to be closed")
    finally:
        for s in flood:
            s.close()

    # after it all: the same daemon, answering at once, no client fd left behind
    t = time.monotonic()
    rc, doc = status_json(d)
    assert rc == 0 and time.monotonic() - t < 1.0
    assert doc["units"][0]["pid"] == svc_pid
    assert d.proc.poll() is None and d.proc.pid == dpid
    try:
        wait_for(lambda: len(unix_sockets_at(dpid, ctl_path)) == 1, timeout=5,
                 what="the daemon to hold only its control listener")
    except AssertionError:
        raise AssertionError(f"control sockets still open: {unix_sockets_at(dpid, ctl_path)}; "
                             f"{fd_count(dpid)} fds: " + str(sorted(
                                 (fd, os.readlink(f"/proc/{dpid}/fd/{fd}"))
                                 for fd in os.listdir(f"/proc/{dpid}/fd"))))

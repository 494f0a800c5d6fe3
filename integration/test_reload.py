"""Reload (SPEC §6), from the outside: SIGHUP and `sockvisorctl reload` apply the
difference between the unit files and the running daemon without disturbing what
did not change.

What a user checks: the socket's inode on disk and the daemon's own listener fd
(/proc/DAEMON/fd → socket:[INODE], matched to the path through /proc/net/unix), the
service's pid, which definition and which listener answers a client
(integration/services/ct_serve.py says "WORD NAME PID"), the reply and exit status
of `sockvisorctl reload`, and that clients connecting throughout are never refused.
"""
import json
import os
import re
import signal
import stat
import subprocess
import time

import pytest

from conftest import (SERVICES_DIR, SOCKVISORCTL, ClientLoops, pid_alive, read_to_eof, unit_toml,
                      unix_fds_named, wait_for)

SERVE = os.path.join(SERVICES_DIR, "ct_serve.py")
PY = "/usr/bin/python3"


unit = unit_toml  # shared with the other tests (conftest.py)


def serve(word):
    return [PY, SERVE, word]


def ask(path, timeout=10.0):
    """Connect, read to EOF; returns the answer split into words."""
    return read_to_eof(path, timeout).decode().split()


def unit_status(d, name):
    r = d.ctl("--json", "status", name)
    assert r.stdout.strip(), f"status {name}: exit {r.returncode}: {r.stderr}"
    (u,) = json.loads(r.stdout)["units"]
    return u


def wait_running(d, name, not_pid=None):
    def check():
        u = unit_status(d, name)
        return u if u["state"] == "running" and u["pid"] not in (None, not_pid) else None
    return wait_for(check, what=f"{name} running")


def daemon_listener(dpid, path):
    """(fd, socket inode) of the daemon's one socket bound at `path`."""
    found = [(fd, ino) for ino, fd in unix_fds_named(dpid, path).items()]
    assert len(found) == 1, f"daemon fds bound at {path}: {found}"
    return found[0]


def identity(d, path):
    """What must not change for an untouched socket: the file (inode number and
    ctime: a file unlinked and created again may get the same inode number back),
    the daemon's fd and the socket's own inode."""
    st = os.stat(path)
    return (st.st_ino, st.st_ctime_ns), daemon_listener(d.proc.pid, path)


def drain_notify(d):
    """Read what sockvisord sent its parent since the last call, as systemd does.

    A reload sends RELOADING=1 and READY=1; the tests check both arrive. (A parent
    that never reads must not block sockvisord: see
    test_reload_never_blocks_on_a_parent_that_does_not_read_notify.)"""
    got = []
    d.notify.setblocking(False)
    try:
        while True:
            got.append(d.notify.recv(4096).decode())
    except BlockingIOError:
        pass
    finally:
        d.notify.setblocking(True)
    d.notify_messages += got
    return got


def reload_ctl(d, *extra):
    """`sockvisorctl reload`; returns (exit status, {category: [units]}, stderr)."""
    r = d.ctl("reload", *extra)
    assert drain_notify(d) == ["RELOADING=1", "READY=1"]
    lists = {}
    for line in r.stdout.splitlines():
        key, _, rest = line.partition(": ")
        lists[key] = rest.split(", ")
    return r.returncode, lists, r.stderr


def reload_sighup(d):
    before = d.log().count("reload: ")
    d.send(signal.SIGHUP)
    wait_for(lambda: d.log().count("reload: ") > before, what="the reload to be logged")
    # The summary line is logged before READY=1 is sent (malloc_trim runs between
    # them), so collect until READY=1 is in rather than taking the first batch.
    got = []
    wait_for(lambda: got.extend(drain_notify(d)) or "READY=1" in got,
             what="READY=1 after the reload")
    assert got == ["RELOADING=1", "READY=1"]
    return [line for line in d.log().splitlines() if "reload: " in line][-1]


# ---- unchanged --------------------------------------------------------------------

@pytest.mark.parametrize("how", ["sighup", "sockvisorctl", "sockvisorctl --json"])
def test_unchanged_unit_keeps_its_socket_fd_and_process(daemon, workdir, how):
    sock = os.path.join(workdir, "keep.sock")
    text = unit([sock], serve("keep"), start="eager")
    d = daemon(units={"keep": text})
    pid = wait_running(d, "keep")["pid"]
    before = identity(d, sock)
    d.write_unit("keep", text)                                    # rewritten, same content
    if how == "sighup":
        line = reload_sighup(d)
        assert "0 added, 0 removed, 0 changed, 1 unchanged, 0 problem(s)" in line, line
    elif how == "sockvisorctl":
        rc, lists, err = reload_ctl(d)
        assert rc == 0 and lists == {"unchanged": ["keep"]}, (rc, lists, err)
    else:
        r = d.ctl("--json", "reload")
        assert drain_notify(d) == ["RELOADING=1", "READY=1"]
        assert r.returncode == 0, r
        assert json.loads(r.stdout) == {"added": [], "removed": [], "changed": [],
                                        "unchanged": ["keep"], "problems": []}
    # a new description alone is still "unchanged"
    d.write_unit("keep", 'description = "now described"\n' + text)
    rc, lists, err = reload_ctl(d)
    assert rc == 0 and lists == {"unchanged": ["keep"]}, (rc, lists, err)

    assert identity(d, sock) == before
    u = unit_status(d, "keep")
    assert u["state"] == "running" and u["pid"] == pid and pid_alive(pid)
    assert ask(sock) == ["keep", "keep", str(pid)]


def test_negative_control_identity_sees_a_rebound_socket(daemon, workdir):
    """The inode/fd check above can fail: a changed mode re-creates the socket."""
    sock = os.path.join(workdir, "s.sock")
    d = daemon(units={"s": unit([{"address": sock, "mode": "0660"}], serve("s"))})
    before = identity(d, sock)
    d.write_unit("s", unit([{"address": sock, "mode": "0600"}], serve("s")))
    rc, lists, err = reload_ctl(d)
    assert rc == 0 and lists == {"changed": ["s"]}, (rc, lists, err)
    after = identity(d, sock)
    assert after[0] != before[0] and after[1][1] != before[1][1]


# ---- changed ----------------------------------------------------------------------

def test_service_change_takes_effect_at_the_next_start(daemon, workdir):
    sock = os.path.join(workdir, "web.sock")
    d = daemon(units={"web": unit([sock], serve("v1"), start="eager")})
    pid1 = wait_running(d, "web")["pid"]
    before = identity(d, sock)

    d.write_unit("web", unit([sock], serve("v2"), start="eager"))
    rc, lists, err = reload_ctl(d)
    assert rc == 0 and lists == {"changed": ["web"]}, (rc, lists, err)
    # the running process is left alone, and so is the unchanged socket
    assert ask(sock) == ["v1", "web", str(pid1)]
    assert unit_status(d, "web")["pid"] == pid1
    assert identity(d, sock) == before

    r = d.ctl("restart", "web")
    assert r.returncode == 0, r
    pid2 = wait_running(d, "web", not_pid=pid1)["pid"]
    assert ask(sock) == ["v2", "web", str(pid2)]
    assert identity(d, sock) == before


def test_one_changed_listener_rebinds_only_that_socket(daemon, workdir):
    a, b = os.path.join(workdir, "a.sock"), os.path.join(workdir, "b.sock")
    old = [{"address": a, "name": "a", "mode": "0660"}, {"address": b, "name": "b", "mode": "0660"}]
    new = [{"address": a, "name": "a", "mode": "0660"}, {"address": b, "name": "b", "mode": "0600"}]
    d = daemon(units={"two": unit(old, serve("w"), start="eager")})
    pid1 = wait_running(d, "two")["pid"]
    a_before, b_before = identity(d, a), identity(d, b)

    d.write_unit("two", unit(new, serve("w"), start="eager"))
    rc, lists, err = reload_ctl(d)
    assert rc == 0 and lists == {"changed": ["two"]}, (rc, lists, err)

    assert identity(d, a) == a_before                                  # untouched
    b_after = identity(d, b)
    assert b_after[0] != b_before[0] and b_after[1][1] != b_before[1][1]  # re-created
    assert stat.S_IMODE(os.stat(b).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(a).st_mode) == 0o660
    u = unit_status(d, "two")
    assert [(lst["address"], lst["mode"]) for lst in u["listen"]] == [(a, "0660"), (b, "0600")]
    # the running service goes on (it still serves a), the next one gets both
    assert u["pid"] == pid1
    assert ask(a) == ["w", "a", str(pid1)]
    assert d.ctl("restart", "two").returncode == 0
    pid2 = wait_running(d, "two", not_pid=pid1)["pid"]
    assert ask(a) == ["w", "a", str(pid2)]
    assert ask(b) == ["w", "b", str(pid2)]


# ---- removed and added ---------------------------------------------------------------

def test_removed_unit_is_stopped_and_its_socket_unlinked(daemon, workdir):
    gone, stay = os.path.join(workdir, "gone.sock"), os.path.join(workdir, "stay.sock")
    d = daemon(units={"gone": unit([gone], serve("gone"), start="eager"),
                      "stay": unit([stay], serve("stay"), start="eager")})
    pid = wait_running(d, "gone")["pid"]
    stay_pid = wait_running(d, "stay")["pid"]
    stay_before = identity(d, stay)

    os.unlink(os.path.join(d.units_dir, "gone.toml"))
    rc, lists, err = reload_ctl(d)
    assert rc == 0 and lists == {"removed": ["gone"], "unchanged": ["stay"]}, (rc, lists, err)
    assert not os.path.lexists(gone)            # unlinked at once, not when the pid exits
    wait_for(lambda: not pid_alive(pid), what="the removed unit's service to exit")
    with pytest.raises(FileNotFoundError):
        ask(gone)
    r = d.ctl("status", "gone")
    assert r.returncode == 4, r
    assert [u["name"] for u in json.loads(d.ctl("--json", "status").stdout)["units"]] == ["stay"]
    assert identity(d, stay) == stay_before and unit_status(d, "stay")["pid"] == stay_pid


def test_added_unit_is_bound_and_serves(daemon, workdir):
    old, new = os.path.join(workdir, "old.sock"), os.path.join(workdir, "new.sock")
    d = daemon(units={"old": unit([old], serve("old"))})
    assert not os.path.exists(new)
    d.write_unit("new", unit([{"address": new, "mode": "0640"}], serve("new")))
    line = reload_sighup(d)
    assert "reload: 1 added, 0 removed, 0 changed, 1 unchanged, 0 problem(s)" in line, line
    assert stat.S_ISSOCK(os.stat(new).st_mode) and stat.S_IMODE(os.stat(new).st_mode) == 0o640
    assert unit_status(d, "new")["state"] == "listening"
    answer = ask(new)
    assert answer[:2] == ["new", "new"]
    assert unit_status(d, "new")["pid"] == int(answer[2])
    assert d.ctl("status").returncode == 0


def test_replaced_and_added_units_start_once_every_bind_is_done(daemon, workdir):
    """A unit switched to accept = true gets a new runner and an added eager unit is
    spawned; both start after the reload's binds (the bind session's directory fds
    are closed by then, net/bind_session.hpp). What a user sees: the eager service is
    running on its socket and the switched unit serves one instance per connection."""
    flip, eager = os.path.join(workdir, "flip.sock"), os.path.join(workdir, "eager.sock")
    d = daemon(units={"flip": unit([flip], serve("flip"))})
    assert ask(flip)[:2] == ["flip", "flip"]
    d.write_unit("flip", unit([flip], ["/bin/sh", "-c", "echo inetd $$"], accept=True))
    d.write_unit("eager", unit([eager], serve("eager"), start="eager"))
    line = reload_sighup(d)
    assert "reload: 1 added, 0 removed, 1 changed, 0 unchanged, 0 problem(s)" in line, line
    pid = wait_running(d, "eager")["pid"]
    assert ask(eager) == ["eager", "eager", str(pid)]
    first, second = ask(flip), ask(flip)
    assert first[0] == second[0] == "inetd" and first[1] != second[1], (first, second)
    assert unit_status(d, "flip")["accepted"] == 2


# ---- invalid files -----------------------------------------------------------------------

def test_broken_file_keeps_the_running_unit_and_the_rest_is_applied(daemon, workdir):
    a, b = os.path.join(workdir, "a.sock"), os.path.join(workdir, "b.sock")
    a_text = unit([a], serve("a"), start="eager")
    d = daemon(units={"a": a_text, "b": unit([{"address": b, "mode": "0660"}], serve("b"))})
    pid = wait_running(d, "a")["pid"]
    a_before = identity(d, a)

    # line 3: an unknown key; line 6: a wrong type
    d.write_unit("a", f'[[listen]]\naddress = "{a}"\nmodee = "0600"\n\n[service]\n'
                      f'exec = "{SERVE}"\nstart = "eager"\n')
    d.write_unit("b", unit([{"address": b, "mode": "0600"}], serve("b")))
    rc, lists, err = reload_ctl(d)
    assert rc == 3, (rc, lists, err)
    assert lists.get("changed") == ["b"] and "a" not in sum(lists.values(), []), lists
    a_file = os.path.join(d.units_dir, "a.toml")
    problems = [line for line in err.splitlines() if re.match(rf"{re.escape(a_file)}:\d+:\d+: ",
                                                              line)]
    assert any(p.startswith(f"{a_file}:3:") and "modee" in p for p in problems), err
    assert any(p.startswith(f"{a_file}:6:") for p in problems), err

    # a is untouched: same socket, same process, still serving
    assert identity(d, a) == a_before
    u = unit_status(d, "a")
    assert u["state"] == "running" and u["pid"] == pid and pid_alive(pid)
    assert ask(a) == ["a", "a", str(pid)]
    # b's change is applied
    assert stat.S_IMODE(os.stat(b).st_mode) == 0o600
    assert unit_status(d, "b")["listen"][0]["mode"] == "0600"

    # the same through --json, and fixing the file makes it clean again
    r = d.ctl("--json", "reload")
    assert drain_notify(d) == ["RELOADING=1", "READY=1"]
    assert r.returncode == 3 and json.loads(r.stdout)["problems"], r
    d.write_unit("a", a_text)
    rc, lists, err = reload_ctl(d)
    assert rc == 0 and lists == {"unchanged": ["a", "b"]}, (rc, lists, err)
    assert identity(d, a) == a_before and unit_status(d, "a")["pid"] == pid


# ---- an address moves -----------------------------------------------------------------

@pytest.mark.parametrize("how", ["listener moved", "unit removed"])
def test_address_moved_from_one_unit_to_another(daemon, workdir, how):
    moved = os.path.join(workdir, "moved.sock")
    a_own, b_own = os.path.join(workdir, "a.sock"), os.path.join(workdir, "b.sock")
    d = daemon(units={"a": unit([{"address": a_own, "name": "a"},
                                 {"address": moved, "name": "moved"}], serve("A"), start="eager"),
                      "b": unit([{"address": b_own, "name": "b"}], serve("B"))})
    a_pid = wait_running(d, "a")["pid"]
    assert ask(moved) == ["A", "moved", str(a_pid)]

    if how == "listener moved":
        d.write_unit("a", unit([{"address": a_own, "name": "a"}], serve("A"), start="eager"))
        expected = {"changed": ["a", "b"]}
    else:
        os.unlink(os.path.join(d.units_dir, "a.toml"))
        expected = {"removed": ["a"], "changed": ["b"]}
    d.write_unit("b", unit([{"address": b_own, "name": "b"},
                            {"address": moved, "name": "moved"}], serve("B")))
    rc, lists, err = reload_ctl(d)
    assert rc == 0 and lists == expected, (rc, lists, err)

    answer = ask(moved)
    assert answer[:2] == ["B", "moved"], answer
    b = unit_status(d, "b")
    assert b["state"] == "running" and b["pid"] == int(answer[2])
    assert [lst["address"] for lst in b["listen"]] == [b_own, moved]
    if how == "listener moved":
        a = unit_status(d, "a")
        assert [lst["address"] for lst in a["listen"]] == [a_own]
        assert a["pid"] == a_pid and ask(a_own) == ["A", "a", str(a_pid)]
    else:
        wait_for(lambda: not pid_alive(a_pid), what="the removed unit's service to exit")
    assert ask(b_own) == ["B", "b", str(b["pid"])]


# ---- many reloads under load ------------------------------------------------------------

def test_hundred_reloads_refuse_no_connection(daemon, workdir):
    hot, other = os.path.join(workdir, "hot.sock"), os.path.join(workdir, "other.sock")

    def other_unit(i):  # alternates its mode and its argv: a real change every time
        return unit([{"address": other, "mode": "0600" if i % 2 else "0660"}],
                    serve(f"other{i % 2}"))

    d = daemon(units={"hot": unit([hot], serve("hot"), start="eager"), "other": other_unit(0)})
    pid = wait_running(d, "hot")["pid"]
    hot_before = identity(d, hot)
    changes = 0
    with ClientLoops(hot, loops=2) as clients:
        wait_for(lambda: clients.answers, what="a first answer")
        for i in range(100):
            if i % 2 == 0:
                changes += 1
                d.write_unit("other", other_unit(changes))
                expected = {"changed": ["other"], "unchanged": ["hot"]}
            else:
                expected = {"unchanged": ["hot", "other"]}
            rc, lists, err = reload_ctl(d)
            assert rc == 0 and lists == expected, (i, rc, lists, err)
        time.sleep(0.2)  # clients keep connecting after the last reload too
    assert not any(t.is_alive() for t in clients.threads)
    assert (clients.refused, clients.connect_errors, clients.lost, clients.unanswered) == (0, [], 0, []), \
        (clients.refused, clients.connect_errors[:5], clients.lost, clients.unanswered[:5])
    assert clients.answers == {f"hot hot {pid}": sum(clients.answers.values())}
    assert sum(clients.answers.values()) >= 100, clients.answers
    assert identity(d, hot) == hot_before and unit_status(d, "hot")["pid"] == pid
    assert stat.S_IMODE(os.stat(other).st_mode) == (0o600 if changes % 2 else 0o660)
    assert d.log().count("reload: ") == 100


def test_reload_never_blocks_on_a_parent_that_does_not_read_notify(daemon, workdir):
    d = daemon(units={"web": unit([os.path.join(workdir, "web.sock")], serve("web"))})
    for i in range(12):  # 24 datagrams, nobody reading
        r = subprocess.run([SOCKVISORCTL, "--control", d.path("control.sock"), "reload"],
                           capture_output=True, text=True, timeout=5)
        assert r.returncode == 0, (i, r)
    assert d.stop(timeout=5) == 0

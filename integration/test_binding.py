"""Binding, from the outside: what sits on disk, who can connect, what is refused.

Runs the real sockvisord as root in a private temporary directory and checks with
stat, real sockets, ss and /proc what a user would check.
"""
import os
import socket
import stat
import subprocess

import pytest

from conftest import SOURCE_DIR, free_port, run_check, wait_for

NOBODY, NOGROUP = 65534, 65534
# A service that never touches its sockets: connections wait in the backlog.
IDLE_SERVICE = '[service]\nexec = ["sleep", "3600"]\n'


def unit(*listens, service=IDLE_SERVICE):
    text = ""
    for l in listens:
        text += "[[listen]]\n" + "".join(f"{k} = {v}\n" for k, v in l.items())
    return text + service


def q(s):
    return '"' + s + '"'


def test_pathname_socket_has_declared_owner_group_and_mode(daemon):
    d = daemon({"web": unit({"address": q("web.sock"), "owner": q(str(NOBODY)),
                             "group": q(str(NOGROUP)), "mode": q("0640")})})
    st = os.lstat(d.path("web.sock"))
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert (st.st_uid, st.st_gid) == (NOBODY, NOGROUP)
    assert "web: bound" in d.log()


def test_default_mode_is_0660_owned_by_sockvisord(daemon):
    d = daemon({"a": unit({"address": q("a.sock")})})
    st = os.lstat(d.path("a.sock"))
    assert stat.S_IMODE(st.st_mode) == 0o660
    assert (st.st_uid, st.st_gid) == (os.geteuid(), os.getegid())


@pytest.mark.parametrize("kind,sock_type", [("stream", socket.SOCK_STREAM),
                                            ("dgram", socket.SOCK_DGRAM),
                                            ("seqpacket", socket.SOCK_SEQPACKET)])
def test_unix_pathname_and_abstract_sockets_accept_clients(daemon, kind, sock_type):
    abstract = f"sv-test-{os.getpid()}-{kind}"
    d = daemon({"u": unit({"address": q(f"{kind}.sock"), "type": q(kind)},
                          {"address": q("@" + abstract), "type": q(kind)})})
    for addr in (d.path(f"{kind}.sock"), "\0" + abstract):
        with socket.socket(socket.AF_UNIX, sock_type) as c:
            c.settimeout(5)
            c.connect(addr)
            c.send(b"ping")  # queued in the backlog / receive buffer: nobody reads yet


@pytest.mark.parametrize("family,host", [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")])
def test_tcp_and_udp_accept_clients(daemon, family, host):
    tport, uport = free_port(family), free_port(family, socket.SOCK_DGRAM)
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    d = daemon({"inet": unit({"address": q(f"tcp://{shown}:{tport}"), "name": q("t")},
                             {"address": q(f"udp://{shown}:{uport}"), "name": q("u")})})
    with socket.create_connection((host, tport), timeout=5):
        pass
    with socket.socket(family, socket.SOCK_DGRAM) as u:
        u.sendto(b"ping", (host, uport))
    # The UDP socket is really bound by sockvisord: a second bind is refused.
    with socket.socket(family, socket.SOCK_DGRAM) as u, pytest.raises(OSError):
        u.bind((host, uport))
    d.stop()


def test_parent_directories_are_created_with_directory_mode(daemon):
    d = daemon({"deep": unit({"address": q("a/b/deep.sock"), "directory_mode": q("0750")})})
    for rel in ("a", "a/b"):
        st = os.lstat(d.path(rel))
        assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o750, rel
    assert stat.S_ISSOCK(os.lstat(d.path("a/b/deep.sock")).st_mode)


def test_symlinks_point_at_the_socket_and_go_away_on_stop(daemon, workdir):
    link = os.path.join(workdir, "link.sock")
    d = daemon({"l": unit({"address": q("real.sock"), "symlinks": f"[{q(link)}]"})})
    assert os.readlink(link) == d.path("real.sock")
    with socket.socket(socket.AF_UNIX) as c:
        c.connect(link)
    assert d.stop() == 0
    assert not os.path.lexists(link)
    assert not os.path.lexists(d.path("real.sock"))


def test_sigterm_removes_every_socket_file(daemon):
    d = daemon({"a": unit({"address": q("a.sock")}, {"address": q("b/b.sock"), "name": q("b")}),
                "c": unit({"address": q("c.sock"), "type": q("dgram")})})
    paths = [d.path(p) for p in ("a.sock", "b/b.sock", "c.sock")]
    assert all(os.path.exists(p) for p in paths)
    assert d.stop() == 0
    assert [p for p in paths if os.path.lexists(p)] == []


def test_remove_on_stop_false_keeps_the_file(daemon):
    d = daemon({"k": unit({"address": q("keep.sock"), "remove_on_stop": "false"})})
    assert d.stop() == 0
    assert stat.S_ISSOCK(os.lstat(d.path("keep.sock")).st_mode)


def test_stale_socket_is_replaced(daemon, workdir):
    run = os.path.join(workdir, "d0", "run")
    os.makedirs(run)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(os.path.join(run, "s.sock"))
    stale.close()  # the file stays, nobody listens: stale
    d = daemon({"s": unit({"address": q("s.sock")})})
    with socket.socket(socket.AF_UNIX) as c:
        c.connect(d.path("s.sock"))


def prepare_entry(run, name, kind, victim):
    path = os.path.join(run, name)
    if kind == "live":
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        s.listen()
        return s
    if kind == "file":
        with open(path, "w") as f:
            f.write("precious")
    elif kind == "directory":
        os.mkdir(path)
    elif kind == "symlink":
        os.symlink(victim, path)
    return None


@pytest.mark.parametrize("kind,what", [("live", "live listener"), ("file", "regular file"),
                                       ("directory", "directory"), ("symlink", "symbolic link")])
def test_existing_entries_are_never_removed_under_stale(daemon, workdir, kind, what):
    run = os.path.join(workdir, "d0", "run")
    os.makedirs(run)
    victim = os.path.join(workdir, "victim")
    with open(victim, "w") as f:
        f.write("victim")
    os.chmod(victim, 0o600)
    before = os.lstat(victim)
    holder = prepare_entry(run, "x.sock", kind, victim)
    d = daemon({"x": unit({"address": q("x.sock")}),
                "ok": unit({"address": q("ok.sock")})})
    log = d.log()
    assert what in log and "x:" in log, log
    # the other unit is unaffected
    assert stat.S_ISSOCK(os.lstat(d.path("ok.sock")).st_mode)
    after = os.lstat(victim)
    assert (after.st_ino, after.st_mode, after.st_uid) == (before.st_ino, before.st_mode, before.st_uid)
    with open(victim) as f:
        assert f.read() == "victim"
    entry = os.lstat(os.path.join(run, "x.sock"))
    if kind == "live":
        assert stat.S_ISSOCK(entry.st_mode)
        holder.close()
    elif kind == "file":
        assert stat.S_ISREG(entry.st_mode)
    elif kind == "directory":
        assert stat.S_ISDIR(entry.st_mode)
    else:
        assert stat.S_ISLNK(entry.st_mode)
    d.stop()
    # sockvisord never removes what it did not create
    assert os.path.lexists(os.path.join(run, "x.sock"))


def test_overwrite_always_replaces_a_file_but_not_a_directory(daemon, workdir):
    run = os.path.join(workdir, "d0", "run")
    os.makedirs(run)
    with open(os.path.join(run, "f.sock"), "w") as f:
        f.write("old")
    os.mkdir(os.path.join(run, "dir.sock"))
    d = daemon({"f": unit({"address": q("f.sock"), "overwrite": q("always")}),
                "dir": unit({"address": q("dir.sock"), "overwrite": q("always")})})
    assert stat.S_ISSOCK(os.lstat(d.path("f.sock")).st_mode)
    assert stat.S_ISDIR(os.lstat(d.path("dir.sock")).st_mode)
    assert "dir:" in d.log() and "directory" in d.log()


def test_overwrite_leave_refuses_even_a_stale_socket(daemon, workdir):
    run = os.path.join(workdir, "d0", "run")
    os.makedirs(run)
    s = socket.socket(socket.AF_UNIX)
    s.bind(os.path.join(run, "l.sock"))
    s.close()
    ino = os.lstat(os.path.join(run, "l.sock")).st_ino
    d = daemon({"l": unit({"address": q("l.sock"), "overwrite": q("leave")})})
    assert "l:" in d.log()
    assert os.lstat(d.path("l.sock")).st_ino == ino


def test_abstract_squatter_is_named_with_its_pid(daemon):
    name = f"sv-squat-{os.getpid()}"
    squatter = subprocess.Popen(["socat", f"ABSTRACT-LISTEN:{name}", "STDOUT"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def bound():
            with open("/proc/net/unix") as f:
                return any(line.rstrip().endswith("@" + name) for line in f)
        wait_for(bound, what="socat to bind the abstract name")
        d = daemon({"sq": unit({"address": q("@" + name)})})
        log = d.log()
        assert f"pid {squatter.pid}" in log and "socat" in log, log
    finally:
        squatter.kill()
        squatter.wait()


def test_ss_and_proc_net_unix_show_the_declared_path(daemon):
    d = daemon({"n": unit({"address": q("named.sock")})})
    path = d.path("named.sock")
    with open("/proc/net/unix") as f:
        assert any(line.rstrip().endswith(" " + path) for line in f)
    ss = subprocess.run(["ss", "-xlp"], capture_output=True, text=True, check=True).stdout
    assert path in ss


def test_strict_binds_nothing_when_one_unit_fails(daemon, workdir):
    run = os.path.join(workdir, "d0", "run")
    os.makedirs(run)
    with open(os.path.join(run, "busy.sock"), "w") as f:
        f.write("a regular file is in the way")
    d = daemon({"a-good": unit({"address": q("good.sock")}),
                "z-bad": unit({"address": q("busy.sock")})},
               args=["--strict"], wait_ready=False)
    assert d.wait_exit() == 1
    assert not os.path.lexists(d.path("good.sock"))


def test_invalid_unit_does_not_stop_the_others(daemon):
    d = daemon({"good": unit({"address": q("good.sock")}),
                "broken": "[[listen]]\naddress = 5\n" + IDLE_SERVICE})
    assert stat.S_ISSOCK(os.lstat(d.path("good.sock")).st_mode)
    assert "broken.toml:2:" in d.log()


def test_check_accepts_the_example_units():
    r = run_check(os.path.join(SOURCE_DIR, "units"), "--runtime-dir", "/tmp/sv-check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_reports_every_problem(workdir):
    units = os.path.join(workdir, "units")
    os.makedirs(units)
    with open(os.path.join(units, "a.toml"), "w") as f:
        f.write('[[listen]]\naddress = "a.sock"\nmdoe = "0660"\n[service]\nexec = ["sleep", "1"]\n')
    with open(os.path.join(units, "b.toml"), "w") as f:
        f.write('[[listen]]\naddress = "tcp://127.0.0.1:99999"\n[service]\nexec = []\n')
    r = run_check(units, "--runtime-dir", os.path.join(workdir, "run"))
    assert r.returncode == 1
    out = r.stdout
    assert "a.toml:3:1:" in out and "did you mean 'mode'" in out, out
    assert "b.toml:2:" in out and "99999" in out, out
    assert "b.toml:4:" in out, out
    assert not os.path.exists(os.path.join(workdir, "run")), "--check must not create anything"

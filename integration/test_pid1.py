"""sockvisord as PID 1 of a PID namespace (a container entrypoint), from the outside.

`unshare --pid --fork --mount-proc` makes sockvisord PID 1 of a new namespace; every
orphan in it is reparented to sockvisord, which must reap it (SPEC §5). The check
looks at the namespace from the host: every process whose /proc/PID/ns/pid is the
namespace's, and its State. A negative control shows the same check sees a zombie.
"""
import os
import re
import signal
import time

import pytest

import conftest
from conftest import wait_for

PY = "/usr/bin/python3"
ORPHANS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "services", "orphans.py")


def proc_status(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(line.split(":\t", 1) for line in f.read().splitlines() if ":\t" in line)
    except OSError:
        return None


def pid_namespace(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:  # exited, or a zombie whose namespace links are gone: ask its parent
        st = proc_status(pid)
        if st is None or int(st["PPid"]) in (0, pid):
            return None
        try:
            return os.readlink(f"/proc/{st['PPid']}/ns/pid")
        except OSError:
            return None


def namespace_processes(ns):
    """{host pid: (state letter, name, NSpid)} of every process in PID namespace `ns`."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        if pid_namespace(pid) != ns:
            continue
        st = proc_status(pid)
        if st is not None:
            found[pid] = (st["State"][0], st["Name"], st["NSpid"].split())
    return found


def zombies(ns):
    return sorted(pid for pid, (state, _, _) in namespace_processes(ns).items() if state == "Z")


@pytest.fixture
def pid1(daemon, workdir, monkeypatch):
    """daemon(...) that runs sockvisord as PID 1 of a new PID namespace.

    Returns (d, host pid of sockvisord, namespace id). d.proc is unshare; with
    --kill-child sockvisord dies with it, and teardown kills it by pid as well."""
    real = os.path.abspath(conftest.SOCKVISORD)
    wrapper = os.path.join(workdir, "sockvisord-pid1")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec unshare --pid --fork --kill-child --mount-proc {real} "$@"\n')
    os.chmod(wrapper, 0o755)
    monkeypatch.setattr(conftest, "SOCKVISORD", wrapper)
    started = []

    def start(**kwargs):
        d = daemon(**kwargs)

        def child():
            try:
                with open(f"/proc/{d.proc.pid}/task/{d.proc.pid}/children") as f:
                    return [int(p) for p in f.read().split()]
            except OSError:
                return []
        [host_pid] = wait_for(child, 5, what="unshare's child")
        started.append(host_pid)
        st = proc_status(host_pid)
        assert st["NSpid"].split()[-1] == "1", f"sockvisord is not PID 1: {st['NSpid']}"
        return d, host_pid, pid_namespace(host_pid)

    yield start
    for host_pid in started:  # SIGKILL to a namespace's init ends the whole namespace
        try:
            os.kill(host_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def eager(cmd):
    return ["--listen", "x.sock", "--eager", "--", *cmd]


def test_double_forked_orphans_of_a_shell_are_reaped(pid1):
    d, host_pid, ns = pid1(inline=eager(["sh", "-c", "(sleep 0.2 &) ; (sleep 0.3 &); exec sleep 100"]))
    time.sleep(2)  # the orphans exited long ago; only an unreaped one would still show
    procs = namespace_processes(ns)
    assert zombies(ns) == [], procs
    assert sorted(name for _, name, _ in procs.values()) == ["sleep", "sockvisord"], procs


def test_fifty_double_forked_orphans_are_reaped(pid1, workdir):
    d, host_pid, ns = pid1(inline=eager([PY, ORPHANS, "50", workdir]))
    wait_for(lambda: os.path.exists(os.path.join(workdir, "orphans-done")), 10,
             what="the service to make its orphans")
    time.sleep(2)
    procs = namespace_processes(ns)
    assert zombies(ns) == [], procs
    assert len(procs) == 2, procs  # sockvisord and orphans.py, nothing else


def test_negative_control_the_check_sees_an_unreaped_zombie(pid1, workdir):
    # The service's own child is not an orphan: only the service could reap it.
    d, host_pid, ns = pid1(inline=eager([PY, ORPHANS, "noreap", workdir]))
    done = os.path.join(workdir, "orphans-done")
    wait_for(lambda: os.path.exists(done), 10, what="the service to fork")
    with open(done) as f:
        service_pid_in_ns = f.read().strip()
    [zombie] = wait_for(lambda: zombies(ns), 5, what="the zombie to be seen")
    assert proc_status(zombie)["PPid"] != str(host_pid)
    service = [pid for pid, (_, _, nspid) in namespace_processes(ns).items()
               if nspid[-1] == service_pid_in_ns]
    assert service == [int(proc_status(zombie)["PPid"])]


def test_sigterm_to_pid1_exits_0_and_the_namespace_is_gone(pid1, workdir):
    d, host_pid, ns = pid1(inline=eager(["sh", "-c", "(sleep 100 &) ; exec sleep 100"]))
    wait_for(lambda: len(namespace_processes(ns)) == 3, 5,
             what="sockvisord, the service and its orphan")
    os.kill(host_pid, signal.SIGTERM)
    assert d.wait_exit(timeout=15) == 0  # unshare exits with its child's status
    wait_for(lambda: namespace_processes(ns) == {}, 5, what="the namespace to be empty")
    assert not os.path.lexists(d.path("x.sock"))


def test_pid1_exits_with_its_service_status(pid1):
    d, host_pid, ns = pid1(inline=["--listen", "x.sock", "--eager", "--restart", "no", "--",
                                   "sh", "-c", "(sleep 100 &) ; sleep 0.5; exit 5"],
                           wait_ready=False)
    assert d.wait_exit(timeout=20) == 5  # through unshare: a container's exit code
    wait_for(lambda: namespace_processes(ns) == {}, 5, what="the namespace to be empty")


def test_pid1_shutdown_kills_a_service_that_ignores_sigterm_after_stop_timeout(pid1, workdir):
    marker = os.path.join(os.path.dirname(ORPHANS), "term_marker.py")
    unit = ('[[listen]]\naddress = "s.sock"\n[service]\n'
            f'exec = ["{PY}", "{marker}", "ignore", "{workdir}"]\n'
            'start = "eager"\nstop_timeout = "1s"\n')
    d, host_pid, ns = pid1(units={"stubborn": unit})
    wait_for(lambda: os.path.exists(os.path.join(workdir, "pids")), 10, what="the service")
    assert len(namespace_processes(ns)) == 3  # sockvisord, the service and its child
    t0 = time.monotonic()
    os.kill(host_pid, signal.SIGTERM)
    assert d.wait_exit(timeout=15) == 0
    elapsed = time.monotonic() - t0
    assert 0.9 <= elapsed < 1.0 + 3.0, f"exit after {elapsed:.2f}s with stop_timeout = 1s"
    assert namespace_processes(ns) == {}
    assert re.search(r"\bstubborn: pid \d+ killed by signal SIGKILL", d.log())

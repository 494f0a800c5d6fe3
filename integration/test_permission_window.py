"""No permission window: an observer watching the runtime directory with inotify
(and a tight lstat loop) must never see the socket with anything but its declared
owner, group and mode, across 100 start/stop cycles of the real sockvisord.

A negative control binds the ordinary way (bind, then chown/chmod) under the same
observer and must be caught, so the observer is shown able to fail.
"""
import ctypes
import os
import socket
import stat
import struct
import threading
import time

from conftest import Daemon

IN_CREATE, IN_MOVED_TO = 0x100, 0x80
WANT_MODE, WANT_UID, WANT_GID = 0o640, 65534, 65534
CYCLES = 100

libc = ctypes.CDLL("libc.so.6", use_errno=True)


class Observer:
    """Records every (mode, uid, gid) seen at `name` in `directory`."""

    def __init__(self, directory, name):
        self.path = os.path.join(directory, name)
        self.name = name.encode()
        self.seen = set()
        self.sightings = 0
        self.stop_flag = False
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0
        assert libc.inotify_add_watch(self.fd, directory.encode(), IN_CREATE | IN_MOVED_TO) >= 0
        self.threads = [threading.Thread(target=self._inotify_loop, daemon=True),
                        threading.Thread(target=self._poll_loop, daemon=True)]
        for t in self.threads:
            t.start()

    def _look(self):
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            return
        self.sightings += 1
        self.seen.add((stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid))

    def _inotify_loop(self):
        import select
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while not self.stop_flag:
            if not poller.poll(50):
                continue
            data = os.read(self.fd, 65536)
            off = 0
            while off < len(data):
                _wd, _mask, _cookie, length = struct.unpack_from("iIII", data, off)
                name = data[off + 16:off + 16 + length].rstrip(b"\0")
                off += 16 + length
                if name == self.name:
                    self._look()

    def _poll_loop(self):
        while not self.stop_flag:
            self._look()

    def close(self):
        self.stop_flag = True
        for t in self.threads:
            t.join()
        os.close(self.fd)

    def wrong(self):
        want = (stat.S_IFSOCK, WANT_MODE, WANT_UID, WANT_GID)
        return sorted(s for s in self.seen if s != want)


def test_socket_never_observed_with_other_permissions(workdir):
    run = os.path.join(workdir, "run")
    os.mkdir(run, 0o755)
    observer = Observer(run, "w.sock")
    unit = ('[[listen]]\naddress = "w.sock"\nowner = "65534"\ngroup = "65534"\nmode = "0640"\n'
            '[service]\nexec = ["sleep", "3600"]\n')
    try:
        for i in range(CYCLES):
            d = Daemon(os.path.join(workdir, f"c{i}"), units={"w": unit}, runtime_dir=run)
            try:
                assert os.path.exists(os.path.join(run, "w.sock"))
                assert d.stop() == 0
            finally:
                d.cleanup()
    finally:
        observer.close()
    assert observer.sightings > 0
    assert observer.wrong() == [], f"observed wrong permissions: {observer.wrong()}"


def test_negative_control_bind_then_chmod_is_caught(workdir):
    run = os.path.join(workdir, "run")
    os.mkdir(run, 0o755)
    observer = Observer(run, "w.sock")
    path = os.path.join(run, "w.sock")
    try:
        for _ in range(20):
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)            # appears with the umask's mode, owned by root
            time.sleep(0.002)       # the window systemd/socat leave open, widened a little
            os.chown(path, WANT_UID, WANT_GID)
            os.chmod(path, WANT_MODE)
            s.close()
            os.unlink(path)
    finally:
        observer.close()
    assert observer.wrong() != [], "the observer must be able to see a permission window"

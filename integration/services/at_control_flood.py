#!/usr/bin/python3
"""at_control_flood: hostile clients of the control socket, in their own process so
the test process only measures. Three threads until SIGTERM:

  idle     opens IDLE connections that never send a byte and holds them; it counts
           the ones the daemon closes (evicted at its client limit, or timed out)
           every ROUND seconds and, with --reopen, opens them again (churn: the
           daemon is then always over its limit);
  big      connects, sends one 1 MiB request line, reads the reply, again;
  garbage  connects, sends invalid JSON, reads the reply, again.

Prints "ready" once the idle connections are open, and on SIGTERM one JSON line:
{"idle_opened", "idle_closed_by_daemon", "big_sent", "big_replies": {code: n},
 "garbage_sent", "garbage_replies": {code: n}, "errors": [...]}.

  at_control_flood.py CONTROL_PATH [IDLE] [ROUND] [--reopen]
"""
import json
import select
import signal
import socket
import sys
import threading

BIG = b'{"cmd": "status", "units": ["' + b"a" * (1 << 20) + b'"]}\n'
GARBAGE = b'{not json at all\n'


def main():
    path = sys.argv[1]
    idle_n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    round_s = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25
    reopen = "--reopen" in sys.argv
    stop = threading.Event()
    lock = threading.Lock()
    stats = {"idle_opened": 0, "idle_closed_by_daemon": 0, "big_sent": 0, "big_replies": {},
             "garbage_sent": 0, "garbage_replies": {}, "errors": []}
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def note_error(what):
        with lock:
            if len(stats["errors"]) < 20:
                stats["errors"].append(what)

    def connect():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        s.settimeout(10)
        s.connect(path)
        return s

    def reply_code(s):
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        if not data:
            return "closed without a reply"
        try:
            doc = json.loads(data)
        except ValueError:
            return "not JSON: " + data[:80].decode(errors="replace")
        return doc.get("code", "ok")

    idle = []

    def open_idle():
        while len(idle) < idle_n and not stop.is_set():
            try:
                idle.append(connect())
            except OSError as e:
                note_error(f"idle connect: {e}")
                return
            with lock:
                stats["idle_opened"] += 1

    def idle_loop():
        while not stop.wait(round_s):
            ready, _, _ = select.select(idle, [], [], 0)
            for s in ready:  # readable on an idle client means EOF: the daemon closed it
                try:
                    if s.recv(1, socket.MSG_DONTWAIT):
                        note_error("an idle client received data")
                except OSError:
                    pass
                idle.remove(s)
                s.close()
                with lock:
                    stats["idle_closed_by_daemon"] += 1
            if reopen:
                open_idle()

    def sender(payload, sent_key, replies_key):
        while not stop.is_set():
            try:
                with connect() as s:
                    pusher = threading.Thread(target=lambda: _push(s, payload), daemon=True)
                    pusher.start()
                    code = reply_code(s)
                    pusher.join(10)
            except OSError as e:
                code = f"error: {e.__class__.__name__}"
            with lock:
                stats[sent_key] += 1
                stats[replies_key][code] = stats[replies_key].get(code, 0) + 1
            stop.wait(0.02)

    open_idle()
    threads = [threading.Thread(target=idle_loop, daemon=True),
               threading.Thread(target=sender, args=(BIG, "big_sent", "big_replies"), daemon=True),
               threading.Thread(target=sender, args=(GARBAGE, "garbage_sent", "garbage_replies"),
                                daemon=True)]
    for t in threads:
        t.start()
    print("ready", flush=True)
    while not stop.wait(0.1):
        pass
    for t in threads:
        t.join(15)
    for s in idle:
        s.close()
    with lock:
        print(json.dumps(stats), flush=True)
    return 0


def _push(s, payload):
    try:
        s.sendall(payload)
    except OSError:  # EPIPE / ECONNRESET after the daemon's too_large: expected
        pass


if __name__ == "__main__":
    sys.exit(main())

"""The deployment recipes of docs/deploy.md, run for real where this machine can:

* the shipped systemd unit passes `systemd-analyze verify` (PID 1 here is not
  systemd, so it cannot be started; the offline verifier is what can run);
* the Kubernetes sidecar pattern without Kubernetes: sockvisord binds a socket in a
  shared directory with group nogroup and mode 0660, a real nginx (workers as
  nobody:nogroup) proxies HTTP to it, and the on-demand service answers. With mode
  0600 nginx is refused — the permissions really are what gates the sidecar.
"""
import os
import shutil
import subprocess
import urllib.request

import pytest

from conftest import SOCKVISORD, SOURCE_DIR, free_port, wait_for

HELLO = '''
[[listen]]
address = "{path}"
group = "nogroup"
mode = "{mode}"

[service]
exec = ["/usr/bin/python3", "-c", """
import http.server, socket
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'hello through nginx\\\\n'
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(('', 0), H, bind_and_activate=False)
srv.socket.close()
srv.socket = socket.socket(fileno=3)
srv.serve_forever()
"""]
'''


def test_systemd_unit_verifies(workdir):
    shutil.copy(SOCKVISORD, os.path.join(workdir, "sockvisord"))
    with open(os.path.join(SOURCE_DIR, "docs/deploy/sockvisord.service")) as f:
        text = f.read().replace("/usr/local/bin/sockvisord", os.path.join(workdir, "sockvisord"))
    unit = os.path.join(workdir, "sockvisord.service")
    with open(unit, "w") as f:
        f.write(text)
    r = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and "sockvisord.service" not in r.stderr, r.stderr


def run_nginx(workdir, sock_path):
    port = free_port()
    conf = os.path.join(workdir, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""
user nobody nogroup;
worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/nginx-body;
    proxy_temp_path {workdir}/nginx-proxy;
    fastcgi_temp_path {workdir}/nginx-fastcgi;
    uwsgi_temp_path {workdir}/nginx-uwsgi;
    scgi_temp_path {workdir}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ proxy_pass http://unix:{sock_path}:; }}
    }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)

    def up():
        import socket
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False
    wait_for(up, what="nginx to listen")
    return proc, port


def get(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""


@pytest.mark.parametrize("mode,expected", [("0660", 200), ("0600", 502)])
def test_nginx_sidecar_reaches_the_socket_through_its_group(daemon, workdir, mode, expected):
    shared = os.path.join(workdir, "shared")
    os.mkdir(shared, 0o755)
    sock = os.path.join(shared, "app.sock")
    d = daemon({"app": HELLO.format(path=sock, mode=mode)})
    proc, port = run_nginx(workdir, sock)
    try:
        status, body = get(port)
        assert status == expected, d.log()
        if expected == 200:
            assert body == "hello through nginx\n"
            assert "app: listening → starting" in d.log()
        else:
            assert "Permission denied" in open(os.path.join(workdir, "nginx-error.log")).read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

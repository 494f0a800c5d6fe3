"""What the numbers were measured on: machine, kernel, load, peer versions."""
import os
import platform
import subprocess

PACKAGES = ["systemd", "s6", "socat", "supervisor", "tini", "dumb-init"]


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def package_versions():
    out = {}
    for p in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", p], capture_output=True, text=True)
        out[p] = r.stdout.strip() or "not installed"
    return out


def git_rev(source_dir):
    r = subprocess.run(["git", "-C", source_dir, "rev-parse", "--short", "HEAD"], capture_output=True,
                       text=True)
    return r.stdout.strip() or "unknown"


def describe(source_dir):
    return {"nproc": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release(),
            "loadavg": open("/proc/loadavg").read().split()[:3], "versions": package_versions(),
            "rev": git_rev(source_dir)}

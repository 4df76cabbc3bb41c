"""Debian's nginx running deploy/nginx.conf on free loopback ports, and slow clients to throw at it.

The site file is the production one; `render_site` changes only what a test machine must: the
ports, the upstream gunicorn, the static root, and no TLS (the `ssl_*` lines and the IPv6
listens go). nginx runs as the current user with its pid, logs and temp files in one directory.
"""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from bench.common import ROOT
from bench.loadgen import HOST, free_port

SITE = ROOT / "deploy" / "nginx.conf"
UPSTREAM = "server 127.0.0.1:8000;"
STATIC_ALIAS = "alias /srv/releasemgmt/staticfiles/;"


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        raise RuntimeError("nginx is missing: scripts/test-services.sh installs Debian's package")
    return found


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"deploy/nginx.conf should hold {old!r} exactly once")
    return text.replace(old, new)


def render_site(
    text: str, *, http_port: int, https_port: int, upstream_port: int, static_root: Path
) -> str:
    """The site file for loopback ports without TLS; refuses a file whose shape it does not know."""
    lines, servers, listens = [], 0, 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("server {"):
            servers += 1
        if stripped.startswith("ssl_") or (stripped.startswith("listen ") and "[::]" in stripped):
            continue
        if stripped.startswith("listen "):
            listens += 1
            port = http_port if servers == 1 else https_port
            line = f"    listen {HOST}:{port};"
        lines.append(line)
    if (servers, listens) != (2, 2):
        raise ValueError(
            "deploy/nginx.conf should have two servers (redirect, portal), one listen each"
        )
    rendered = "\n".join(lines) + "\n"
    rendered = _replace_once(rendered, UPSTREAM, f"server {HOST}:{upstream_port};")
    return _replace_once(rendered, STATIC_ALIAS, f"alias {static_root}/;")


def main_config(directory: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site file, in `directory`."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # else workers would drop to nobody
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
pid {directory / "nginx.pid"};
events {{
    worker_connections 1024;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {directory / "access.log"};
{temp}
    include {site};
}}
"""


def nginx_test_config(directory: Path, site: str) -> subprocess.CompletedProcess:
    """`nginx -t` of a site file inside main_config, in `directory` (binds no port)."""
    (directory / "site.conf").write_text(site)
    config = directory / "nginx.conf"
    config.write_text(main_config(directory, directory / "site.conf"))
    command = [nginx_binary(), "-t", "-p", str(directory), "-c", str(config)]
    command += ["-e", str(directory / "error.log")]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for releases.example.com (openssl's command line)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=releases.example.com", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    return cert, key


class Nginx:
    """`nginx` with deploy/nginx.conf in front of a gunicorn on `upstream_port`."""

    def __init__(self, *, upstream_port: int, directory: Path, static_root: Path) -> None:
        self.http_port = free_port()
        self.port = free_port()  # the portal (the TLS server block, here without TLS)
        self.directory = directory
        self.upstream_port = upstream_port
        self.static_root = static_root
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Nginx":
        self.directory.mkdir(parents=True, exist_ok=True)
        site = self.directory / "site.conf"
        site.write_text(
            render_site(
                SITE.read_text(),
                http_port=self.http_port,
                https_port=self.port,
                upstream_port=self.upstream_port,
                static_root=self.static_root,
            )
        )
        config = self.directory / "nginx.conf"
        config.write_text(main_config(self.directory, site))
        command = [nginx_binary(), "-p", str(self.directory), "-c", str(config)]
        command += ["-e", str(self.directory / "error.log")]
        subprocess.run([*command, "-t", "-q"], check=True, capture_output=True)
        self.process = subprocess.Popen([*command, "-g", "daemon off;"])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited; see {self.directory / 'error.log'}")
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not listen within 20 s")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- Slow clients -------------------------------------------------------------------------


def open_slow_clients(port: int, count: int) -> list[socket.socket]:
    """`count` connections that each send half a request and then nothing: half of them stop
    inside the headers, half after the headers with most of a POST body still owed (with a
    CSRF cookie, so that Django reads the body rather than refusing the POST at once; not to
    the login page, whose POSTs nginx rate-limits)."""
    clients = []
    for n in range(count):
        sock = socket.create_connection((HOST, port), timeout=5)
        if n % 2:
            sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        else:
            sock.sendall(
                b"POST /projects/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Cookie: csrftoken=" + b"s" * 32 + b"\r\n"
                b"Content-Length: 1000\r\n\r\ncsrfmiddlewaretoken="
            )
        clients.append(sock)
    return clients


def still_connected(sock: socket.socket) -> bool:
    """Open and unanswered: the server has neither replied nor closed it."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)
    return False  # an answer (such as nginx's 408) or the end of the stream


def close_all(clients: list[socket.socket]) -> None:
    for sock in clients:
        sock.close()


def timed_get(
    port: int, path: str, *, timeout: float, source: str = HOST, headers: dict | None = None
) -> tuple[int | None, float, bytes]:
    """One GET; (status, seconds, body), status None when no answer came within `timeout`."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0))
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, time.monotonic() - started, response.read()
    except TimeoutError:
        return None, time.monotonic() - started, b""
    finally:
        connection.close()

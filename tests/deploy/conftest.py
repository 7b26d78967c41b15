"""The production front for real: Debian's nginx running deploy/nginx.conf before gunicorn running
deploy/gunicorn.conf.py (one sync worker), on the suite's test database.

The two files are used as committed; only their ports and paths are replaced (each replaced text must
be found, so the files and the tests can't drift apart). Both servers run in the test's temporary
folder: nginx's pid, logs and temporary files too, so nothing under /var/lib/nginx is needed.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
NGINX = "/usr/sbin/nginx"
AUDIO_PREFIX = "/_audio"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    """Whether an HTTP server answers on the port (any status)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"GET /accounts/login/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return conn.recv(16).startswith(b"HTTP/")
    except OSError:
        return False


def _wait_for(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{log.read_text(errors='replace')[-3000:]}")
        if _answers(port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer on port {port}:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def nginx_server_block(*, nginx_port: int, gunicorn_port: int, static_root: Path, media_root: Path) -> str:
    """Return deploy/nginx.conf with this run's ports and paths in place of the placeholders."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    for placeholder, value in {
        "listen 80;": f"listen 127.0.0.1:{nginx_port};",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{gunicorn_port};",
        "/srv/streamapp/static/": f"{static_root}/",
        "/srv/streamapp/media/": f"{media_root}/",
    }.items():
        assert placeholder in text, f"deploy/nginx.conf no longer has {placeholder!r}"
        text = text.replace(placeholder, value)
    return text


def _nginx_main_conf(folder: Path) -> str:
    # `user root`: the workers read the test's temporary folder (mode 0700) when the suite runs as
    # root; nginx ignores the line otherwise.
    return f"""
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    sendfile on;
    include {folder}/streamapp.conf;
}}
"""


@contextlib.contextmanager
def _front(folder: Path, *, x_accel_prefix: str):
    """Run gunicorn (one sync worker) and nginx before it, in the folder; stop both on the way out."""
    static_root, media_root = folder / "static", folder / "media"
    static_root.mkdir()
    media_root.mkdir()
    gunicorn_port, nginx_port = _free_port(), _free_port()

    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="streamapp.settings.test",
        STREAMAPP_TEST_DATABASE_NAME=str(connection.settings_dict["NAME"]),
        STREAMAPP_X_ACCEL_REDIRECT_PREFIX=x_accel_prefix,
        STREAMAPP_TRANSCODE_CACHE_DIR=str(folder / "transcodes"),
        STATIC_ROOT=str(static_root),
        # Single sign-on's proxy header, trusted from nginx (127.0.0.1): nginx must clear a client's own.
        STREAMAPP_REMOTE_USER_HEADER="Remote-User",
        STREAMAPP_TRUSTED_PROXIES="127.0.0.1",
    )
    gunicorn_log = folder / "gunicorn.log"
    nginx_log = folder / "error.log"
    processes = []
    try:
        with open(gunicorn_log, "wb") as out:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                     "--bind", f"127.0.0.1:{gunicorn_port}", "--workers", "1"],
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )
            )
        _wait_for(gunicorn_port, processes[0], gunicorn_log, "gunicorn")

        (folder / "streamapp.conf").write_text(
            nginx_server_block(
                nginx_port=nginx_port, gunicorn_port=gunicorn_port,
                static_root=static_root, media_root=media_root,
            )
        )
        (folder / "nginx.conf").write_text(_nginx_main_conf(folder))
        with open(folder / "nginx.out", "wb") as out:
            processes.append(
                subprocess.Popen(
                    [NGINX, "-e", str(nginx_log), "-p", str(folder), "-c", str(folder / "nginx.conf"),
                     "-g", "daemon off;"],
                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                )
            )
        _wait_for(nginx_port, processes[1], nginx_log, "nginx")
        yield SimpleNamespace(
            url=f"http://127.0.0.1:{nginx_port}",
            port=nginx_port,
            gunicorn_port=gunicorn_port,
            gunicorn_log=gunicorn_log,
            static_root=static_root,
            media_root=media_root,
        )
    finally:
        for process in reversed(processes):
            _stop(process)


def _skip_without_nginx():
    if not os.path.exists(NGINX):
        pytest.skip("nginx is missing: run `make system-packages` (apt-get install nginx-light)")


@pytest.fixture(scope="module")
def front(django_db_setup, django_db_blocker, tmp_path_factory):
    """The production front with STREAMAPP_X_ACCEL_REDIRECT_PREFIX=/_audio (nginx serves the audio).

    Tests that use it must use ``transactional_db`` so gunicorn sees their rows.
    """
    _skip_without_nginx()
    with _front(tmp_path_factory.mktemp("front"), x_accel_prefix=AUDIO_PREFIX) as running:
        yield running


@pytest.fixture(scope="module")
def front_without_x_accel(django_db_setup, django_db_blocker, tmp_path_factory):
    """The same front with no X-Accel-Redirect prefix: Django streams the audio itself."""
    _skip_without_nginx()
    with _front(tmp_path_factory.mktemp("front-no-x-accel"), x_accel_prefix="") as running:
        yield running

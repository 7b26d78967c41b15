"""The numbers deploy/nginx.conf and deploy/gunicorn.conf.py must keep in step with each other and Django."""

import os
import re
import runpy
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from streamapp.uploads import FORM_OVERHEAD_BYTES

DEPLOY = Path(__file__).resolve().parent.parent.parent / "deploy"


def nginx_directive(name: str) -> str:
    values = re.findall(rf"^\s*{name}\s+([^;]+);", (DEPLOY / "nginx.conf").read_text(), re.MULTILINE)
    assert len(values) == 1, f"{name}: {values}"
    return values[0]


def seconds(value: str) -> int:
    assert value.endswith("s"), value
    return int(value.removesuffix("s"))


@pytest.fixture
def gunicorn_conf(monkeypatch):
    names = ["WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_THREADS", "GUNICORN_BIND"]
    names.append("FORWARDED_ALLOW_IPS")
    for name in names:
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_timeouts_grow_from_the_database_to_gunicorn_to_nginx(gunicorn_conf):
    nginx_timeout = seconds(nginx_directive("proxy_read_timeout"))
    statement_timeout = settings.STREAMAPP_WEB_STATEMENT_TIMEOUT_MS / 1000
    assert 0 < statement_timeout < gunicorn_conf["timeout"] < nginx_timeout
    # An ffmpeg run is killed before gunicorn kills its worker (which would leave a part file behind).
    assert 0 < settings.STREAMAPP_TRANSCODE_TIMEOUT_SECONDS < gunicorn_conf["timeout"]


def test_gunicorn_runs_two_sync_workers_per_cpu_behind_nginxs_upstream(gunicorn_conf):
    assert gunicorn_conf["worker_class"] == "sync"
    assert gunicorn_conf["threads"] == 1  # GUNICORN_THREADS makes them threaded (docs/streaming.md)
    assert gunicorn_conf["workers"] == 2 * os.cpu_count() + 1
    assert gunicorn_conf["max_requests"] > 0 and gunicorn_conf["max_requests_jitter"] > 0
    assert gunicorn_conf["control_socket_disable"]  # one path per user: the servers would share it
    upstream = re.search(r"upstream streamapp \{\s*server ([^;]+);", (DEPLOY / "nginx.conf").read_text())
    assert upstream.group(1) == gunicorn_conf["bind"]


def test_nginx_upload_limit_is_in_step_with_djangos():
    # At least Django's, so that Django's form error (not nginx's bare 413) explains a refused
    # history; a little more is room for the multipart envelope around the file.
    limit = settings.STREAMAPP_HISTORY_UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES
    value = nginx_directive("client_max_body_size")
    assert value.endswith("m")
    assert limit <= int(value.removesuffix("m")) * 2**20 <= limit * 1.05


def test_nginx_conf_as_committed_passes_nginx_t_inside_debians_nginx_conf(tmp_path):
    # As docs/production.md says: the file dropped in sites-enabled/, under Debian's stock nginx.conf.
    stock = Path("/etc/nginx/nginx.conf")
    if not stock.exists() or not os.path.exists("/usr/sbin/nginx"):
        pytest.skip("Debian's nginx is missing: run `make system-packages`")
    main = stock.read_text()
    assert "include /etc/nginx/sites-enabled/*;" in main
    (tmp_path / "nginx.conf").write_text(
        main.replace("include /etc/nginx/sites-enabled/*;", f"include {DEPLOY / 'nginx.conf'};")
        .replace("pid /run/nginx.pid;", f"pid {tmp_path / 'nginx.pid'};")
    )
    result = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-q", "-e", tmp_path / "error.log", "-c", tmp_path / "nginx.conf"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr

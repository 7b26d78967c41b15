"""gunicorn's settings for streamapp behind nginx (deploy/nginx.conf).

Run `gunicorn -c deploy/gunicorn.conf.py` with the production environment (docs/production.md).
Command-line options override these values; the environment variables named below adjust them.
tests/deploy/test_nginx.py runs this file.
"""

import multiprocessing
import os
from pathlib import Path

wsgi_app = "streamapp.wsgi:application"
# The checkout (manage.py's folder), whatever the service's working directory.
chdir = str(Path(__file__).resolve().parent.parent)
# Where nginx's `upstream streamapp` points: a loopback port, or unix:/run/streamapp/gunicorn.sock.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: nginx reads every request whole and buffers every response, and serves the audio
# itself (X-Accel-Redirect), so a worker is busy only while Django works; two per CPU keeps the CPUs
# busy while some of them wait on PostgreSQL or Redis.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# A transcoded stream holds its worker while ffmpeg runs (nginx takes the bytes as fast as ffmpeg makes
# them: a few seconds a track). Where many listeners start transcodes at once, GUNICORN_THREADS above 1
# gives each worker that many threads (gunicorn's gthread worker): see docs/streaming.md.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# Above the web requests' PostgreSQL statement_timeout (STREAMAPP_WEB_STATEMENT_TIMEOUT_MS, 20 s) and an
# ffmpeg run's (STREAMAPP_TRANSCODE_TIMEOUT_SECONDS, 40 s):
# a slow query is cancelled by the database and answered 503 before gunicorn kills the worker.
# nginx's proxy_read_timeout (60 s) is above this one.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "45"))
# A restart or a HUP lets the requests in progress finish for this long.
graceful_timeout = 30
# Recycle each worker after about a thousand requests (jittered so they don't all restart at once):
# a slow leak never grows without bound.
max_requests = 1000
max_requests_jitter = 100

# Trust X-Forwarded-* headers from nginx on this machine only (unix-socket peers are always trusted).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# No control socket (gunicorn 25.1's gunicornc): its default path, ~/.gunicorn/gunicorn.ctl, is one for
# every gunicorn the user runs. Signals do its work: HUP reloads, TERM stops gracefully.
control_socket_disable = True

# Both logs to stderr/stdout: systemd's journal keeps them.
accesslog = "-"
errorlog = "-"

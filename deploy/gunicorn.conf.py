"""gunicorn settings for the kb-portal API (and agents' site) behind nginx.

    KB_DATA_DIR=/srv/kb/var KB_DATABASE_URL=postgresql://kb@db/kb \
        gunicorn -c deploy/gunicorn.conf.py

Every value can be changed without editing this file: KB_BIND, KB_WORKERS, KB_APP.
"""

import os

# The portal (site, /internal/ and /api/), or 'search_api:create_app()', 'feedback_api:...'.
wsgi_app = os.environ.get("KB_APP", "generator.server:create_app()")
bind = os.environ.get("KB_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("KB_WORKERS", "2"))  # about one per core: searches use the CPU
worker_class = "gthread"  # a slow client holds a thread, not the whole worker
threads = 4
timeout = 30  # a search answers within its time budget (0.5 s); anything longer is stuck
graceful_timeout = 20
# Close each connection after its response. A kept-alive connection stays with the worker that
# accepted it, so a few busy connections can load one worker while the other idles (measured:
# 18.4 s of CPU against 4.6 s); a new connection per request goes to whichever worker is free,
# the load spreads evenly, and throughput rises (docs/benchmarks.md#search-latency). nginx keeps
# the clients' connections alive; a connection from nginx on the same host or network costs
# little.
keepalive = 0
# Recycle workers now and then, but rarely: a new worker loads jieba and starts with cold caches
# (postings, positions, shown articles). At 150 searches/s a worker, 5,000 meant a restart every
# half minute (docs/benchmarks.md#search-latency); the caches are bounded, so nothing grows.
max_requests = 200_000
max_requests_jitter = 20_000
preload_app = False  # each worker opens its own database connections after the fork
limit_request_line = 4094
limit_request_fields = 50
forwarded_allow_ips = "127.0.0.1"  # nginx on this host; set proxy_hops = 1 in kb.toml
accesslog = None  # the app logs one line per request itself (KB_LOG_FORMAT=json for collectors)
errorlog = "-"

"""gunicorn's settings for the web: `gunicorn -c operations/gunicorn_config.py beautysite.wsgi -w 4 -b ...`.

Its one job is prometheus_client's multiprocess mode (operations.multiprocess), so /metrics
sums every gunicorn worker's series whichever worker answers the scrape: the folder is chosen
here in the master, before any worker is forked or imports prometheus_client (a temporary one
unless PROMETHEUS_MULTIPROC_DIR names one), emptied as the server starts, and a worker that
exits is marked dead. Command-line options still set everything else.
"""

from operations import multiprocess

# gunicorn may read this file more than once; the folder made the first time is kept.
multiprocess.prepare(prefix="beauty-web-metrics-")


def child_exit(_server, worker) -> None:
    multiprocess.process_dead(worker.pid)


def on_exit(_server) -> None:
    multiprocess.forget()

"""Jobs over a real task queue: Dramatiq with its Redis broker (``EXGEN_BROKER_URL``).

Why Dramatiq: a message is acknowledged only after its actor returns (at-least-once delivery);
its Redis broker keeps each worker's unacknowledged messages under that worker's id and, once
the worker has sent no heartbeat for ``heartbeat_timeout``, queue maintenance puts them back on
the queue for another worker — a worker killed mid-part loses nothing (read in
``dramatiq/brokers/redis/dispatch.lua``, and tested). RQ keeps a killed worker's job in its
started-job registry until a cleanup declares it abandoned and moves it to the failed-job
registry: running it again is left to a retry policy or to us. Celery needs ``acks_late`` plus
``reject_on_worker_lost`` for the same behaviour and brings far more machinery than one queue.

Settings (environment): ``EXGEN_WORKER_HEARTBEAT`` — seconds without a heartbeat after which a
worker is taken for dead and its parts are delivered again (default 30; every part is
idempotent, so a busy worker mistaken for dead costs only time); ``EXGEN_BROKER_NAMESPACE`` —
the Redis key prefix (default ``exgen``; one per installation sharing a Redis server).
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Callable

QUEUE = "exgen-jobs"
ACTOR = "exgen_job_part"
DEFAULT_HEARTBEAT = 30.0
#: Share (of a million) of broker commands that run queue maintenance, where a dead worker's
#: messages are put back: Dramatiq's default (0.1 %) would leave them for minutes on a quiet
#: queue; maintenance is a few cheap Redis calls while no worker is dead.
MAINTENANCE_CHANCE = 100_000
#: How long (ms) an idle consumer waits at most before asking Redis again. A worker asks for its
#: next part only once the last one is done (prefetch 1), so this is dead time between parts:
#: Dramatiq's default (1 s, with backoff) cost a tenth of the throughput with small parts.
WAIT_MS = 100
#: A part of 200 students takes about a minute on one core; Dramatiq's default limit is 10 min.
TIME_LIMIT_MS = 2 * 3600 * 1000


class BrokerError(RuntimeError):
    """The broker cannot be used; the message says which and why."""


def heartbeat_seconds() -> float:
    value = os.environ.get("EXGEN_WORKER_HEARTBEAT", "")
    try:
        seconds = float(value) if value else DEFAULT_HEARTBEAT
    except ValueError:
        raise BrokerError(f"EXGEN_WORKER_HEARTBEAT={value!r}: not a number of seconds") from None
    if not 0.5 <= seconds <= 3600:
        raise BrokerError(f"EXGEN_WORKER_HEARTBEAT={value!r}: from 0.5 to 3600 seconds")
    return seconds


def redis_broker(url: str):
    from dramatiq.brokers.redis import RedisBroker

    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise BrokerError(f"EXGEN_BROKER_URL {url!r}: not a redis:// address")
    return RedisBroker(url=url, namespace=os.environ.get("EXGEN_BROKER_NAMESPACE", "exgen"),
                       heartbeat_timeout=int(heartbeat_seconds() * 1000),
                       maintenance_chance=MAINTENANCE_CHANCE)


def part_actor(broker, run: Callable[[int, int], object] | None):
    """The one actor: run part ``position`` of job ``job_id``. Senders pass ``run=None`` (they
    only need its name and queue); workers pass the function that runs it."""
    import dramatiq

    from exgen.jobs.runner import MAX_ATTEMPTS

    def exgen_job_part(job_id: int, position: int):
        if run is None:
            raise RuntimeError("this process only sends parts")
        run(job_id, position)

    return dramatiq.actor(exgen_job_part, actor_name=ACTOR, queue_name=QUEUE, broker=broker,
                          max_retries=MAX_ATTEMPTS, min_backoff=500, max_backoff=10_000,
                          time_limit=TIME_LIMIT_MS)


def work(database_url: str, broker_url: str, store, threads: int = 1, ready: Callable[[], None] | None = None) -> None:
    """Run parts from the queue until SIGTERM or SIGINT (``exgen worker``). One thread by
    default: rendering is CPU-bound, so run one worker process per core."""
    import dramatiq

    from exgen.jobs.runner import run_part

    import logging

    # what a worker logs: each part's runs and each job's end (exgen.jobs), others' warnings
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(process)d %(name)s %(levelname)s: %(message)s")
    logging.getLogger("exgen.jobs").setLevel(logging.INFO)
    broker = redis_broker(broker_url)
    part_actor(broker, run=lambda job_id, position: run_part(database_url, store, job_id, position))
    try:
        broker.client.ping()
    except Exception as e:
        raise BrokerError(f"EXGEN_BROKER_URL {broker_url}: the broker does not answer ({e})") from None
    worker = dramatiq.Worker(broker, queues={QUEUE}, worker_threads=threads, worker_timeout=WAIT_MS)
    worker.queue_prefetch = threads  # take no part another idle worker could start now
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    if ready:
        ready()
    try:
        stop.wait()
    finally:
        worker.stop(timeout=10_000)
        broker.close()

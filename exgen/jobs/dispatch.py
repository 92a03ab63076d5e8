"""Where a job's parts run. Both dispatchers only carry (job id, part position): the job's
state, request and progress are in the database, its result in the file store.

- :class:`LocalPool` (no broker, the default): a pool of processes of this service (spawned,
  not forked: the service has threads and open connections). Each job has an owning service
  process; the parts of a job whose owner stopped (a restart, a crash) are taken over by a
  live one, so nothing queued is lost, and a job runs in one process at a time unless its
  owner was silent for a minute while alive (then a part may run twice: harmless, see kinds).
- :class:`QueueDispatcher` (``EXGEN_BROKER_URL=redis://...``): Dramatiq messages on Redis, run
  by ``exgen worker`` processes on any machine sharing the database and the file store; Redis
  keeps them across restarts of the app, and hands a dead worker's message to another.
"""

from __future__ import annotations

import logging
import os
import queue
import threading

from exgen.jobs.files import FileStore

log = logging.getLogger("exgen.jobs")
#: Times the local pool sends a part again after a failed run before leaving it.
RESENDS = 6
#: Seconds between the local pool's looks at the jobs table, and after which a job whose
#: owning service process has not said it is alive is taken over by another.
SWEEP_EVERY, STALE = 15.0, 60.0
#: The owner of a job sent to the broker: Redis holds its parts, no local pool takes it over.
QUEUED = "queue"


def dispatcher_for(database_url: str, store: FileStore, broker_url: str | None = None, workers: int | None = None):
    if broker_url:
        return QueueDispatcher(database_url, broker_url)
    return LocalPool(database_url, store, workers)


# -- no broker: a local process pool -----------------------------------------------------------------
def _child_start(parent: int) -> None:
    """In each pool process: die with the service (``exgen.processes``: PR_SET_PDEATHSIG, and
    SIGTERM unwinds a running part so its temporary files go), and a thread that watches the
    parent as well: the kernel's signal follows the parent *thread* that started the process,
    and a pool may start processes from any thread."""
    import time

    from exgen.processes import TERMINATED, worker_initializer

    worker_initializer(parent)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(TERMINATED)

    threading.Thread(target=watch, name="exgen-parent-watch", daemon=True).start()


def _run_in_child(database_url: str, root: str, job_id: int, position: int) -> str:
    from exgen.jobs.runner import run_part
    from exgen.processes import worker_task

    with worker_task():
        return run_part(database_url, FileStore(root), job_id, position)


class LocalPool:
    """Parts run in processes of this service, at most ``workers`` at once (default: one per
    CPU). One thread owns the pool: it submits parts, sends a part again when its run asks for
    it (an error with attempts left), replaces the pool if a process of it died, and keeps the
    jobs' ownership: every ``SWEEP_EVERY`` seconds it marks its jobs as alive and takes over the
    jobs of a service process that fell silent for ``STALE`` seconds (stopped, crashed; or
    several ``exgen serve --workers`` processes starting at once: one takes each job)."""

    def __init__(self, database_url: str, store: FileStore, workers: int | None = None):
        import secrets
        import socket

        from exgen.render.writer import default_jobs

        self.database_url, self.store = database_url, store
        self.workers = workers or default_jobs()
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._inbox: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pool = None
        self._tries: dict[tuple[int, int], int] = {}
        self._pending: set[tuple[int, int]] = set()

    def send(self, job_id: int, positions) -> None:
        from sqlalchemy import update

        from exgen.jobs.runner import Sessions
        from exgen.storage.models import Job, utcnow

        with Sessions(self.database_url)() as session:
            session.execute(update(Job).where(Job.id == job_id).values(owner=self.owner, owner_seen_at=utcnow()))
        self._enqueue([(job_id, position) for position in positions])

    def resume(self) -> None:
        """Start the pool's thread: it takes over unfinished jobs no live process owns (those of
        a service that stopped), now and from time to time."""
        self._start()

    def close(self) -> None:
        if self._thread is not None:
            self._inbox.put(None)
            self._thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _enqueue(self, items) -> None:
        with self._lock:
            items = [item for item in items if item not in self._pending]
            self._pending.update(items)
        for item in items:
            self._inbox.put(item)
        self._start()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="exgen-jobs", daemon=True)
                self._thread.start()

    def _new_pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_child_start, initargs=(os.getpid(),))

    def _sweep(self) -> None:
        """Say this process's jobs are alive; take over the jobs whose owner is silent."""
        from datetime import timedelta

        from sqlalchemy import and_, or_, select, update

        from exgen.jobs.runner import Sessions, unfinished_parts
        from exgen.storage.models import Job, utcnow

        active = Job.state.in_(("queued", "running"))
        now = utcnow()
        with Sessions(self.database_url)() as session:
            session.execute(update(Job).where(active, Job.owner == self.owner).values(owner_seen_at=now))
            silent = or_(Job.owner.is_(None), and_(Job.owner != QUEUED, Job.owner_seen_at < now - timedelta(seconds=STALE)))
            taken = []
            for job_id in session.scalars(select(Job.id).where(active, silent).order_by(Job.id)).all():
                claimed = session.execute(update(Job).where(Job.id == job_id, active, silent)
                                          .values(owner=self.owner, owner_seen_at=now)).rowcount
                if claimed:
                    taken.append(job_id)
            parts = [part for job_id in taken for part in unfinished_parts(session, job_id)]
        if parts:
            log.info("taking over %s unfinished parts of jobs %s", len(parts), taken)
            self._enqueue(parts)

    def _loop(self) -> None:
        import time
        from concurrent.futures.process import BrokenProcessPool

        swept = 0.0
        while True:
            if time.monotonic() - swept >= SWEEP_EVERY:
                swept = time.monotonic()
                try:
                    self._sweep()
                except Exception as e:  # the database does not answer: the next sweep tries again
                    log.warning("jobs: cannot look for unfinished jobs (%s: %s)", type(e).__name__, e)
            try:
                item = self._inbox.get(timeout=SWEEP_EVERY)
            except queue.Empty:
                continue
            if item is None:
                return
            job_id, position = item
            if self._pool is None:
                self._pool = self._new_pool()
            try:
                future = self._pool.submit(_run_in_child, self.database_url, str(self.store.root), job_id, position)
            except BrokenProcessPool:
                self._pool = self._new_pool()
                self._inbox.put(item)
                continue
            future.add_done_callback(lambda f, item=item: self._done(f, item))

    def _done(self, future, item) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            self._finished(item)
            return
        # the run asked to be run again (it counted its attempt), its process died, or the
        # database did not answer (then the run could not count): again after a pause, a few
        # times, then the job fails with the reason (if the database lets us say so)
        tries = self._tries[item] = self._tries.get(item, 0) + 1
        if tries > RESENDS:
            self._finished(item)
            log.error("job %s part %s: given up after %s runs that failed (%s)", *item, tries, type(error).__name__)
            try:
                from exgen.jobs.runner import Sessions, _fail

                _fail(Sessions(self.database_url), item[0],
                      f"part {item[1] + 1} could not be run ({type(error).__name__}: {error})")
            except Exception:
                pass  # the database is gone too: the job stays unfinished, its owner alive
            return
        log.warning("job %s part %s: run again after %s", *item, type(error).__name__)
        timer = threading.Timer(min(30.0, 0.5 * 2 ** tries), self._inbox.put, args=(item,))
        timer.daemon = True
        timer.start()

    def _finished(self, item) -> None:
        with self._lock:
            self._tries.pop(item, None)
            self._pending.discard(item)


# -- a broker: Dramatiq over Redis ---------------------------------------------------------------------
class QueueDispatcher:
    """Parts become Dramatiq messages; ``exgen worker`` processes run them (``exgen.jobs.queue``)."""

    def __init__(self, database_url: str, broker_url: str):
        self.database_url, self.broker_url = database_url, broker_url
        self._actor = None

    def _part(self):
        if self._actor is None:
            from exgen.jobs.queue import part_actor, redis_broker

            self._actor = part_actor(redis_broker(self.broker_url), run=None)
        return self._actor

    def send(self, job_id: int, positions) -> None:
        from sqlalchemy import update

        from exgen.jobs.runner import Sessions
        from exgen.storage.models import Job

        actor = self._part()
        with Sessions(self.database_url)() as session:  # the queue owns it: no local pool takes it over
            session.execute(update(Job).where(Job.id == job_id).values(owner=QUEUED))
        for position in positions:
            actor.send(job_id, position)

    def resume(self) -> None:
        pass  # Redis keeps the messages; a dead worker's are delivered again by the broker

    def close(self) -> None:
        if self._actor is not None:
            self._actor.broker.close()

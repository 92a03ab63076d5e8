"""Where a job's parts run. Both dispatchers only carry (job id, part position): the job's
state, request and progress are in the database, its result in the file store.

- :class:`LocalPool` (no broker, the default): a pool of processes of this service (spawned,
  not forked: the service has threads and open connections). Parts of jobs left unfinished by
  a restart are sent again when the service starts (:meth:`LocalPool.resume`).
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
#: Times the local pool sends a part again after a failed run before leaving it for a restart.
RESENDS = 6


def dispatcher_for(database_url: str, store: FileStore, broker_url: str | None = None, workers: int | None = None):
    if broker_url:
        return QueueDispatcher(broker_url)
    return LocalPool(database_url, store, workers)


# -- no broker: a local process pool -----------------------------------------------------------------
def _child_start(parent: int) -> None:
    """In each pool process: die with the service. PR_SET_PDEATHSIG where Linux has it, and a
    thread that watches the parent in any case (the signal follows the parent *thread* that
    started the process, and a pool may start processes from any thread)."""
    import time

    from exgen.service.serve import die_with_parent

    die_with_parent()
    if os.getppid() != parent:
        os._exit(0)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="exgen-parent-watch", daemon=True).start()


def _run_in_child(database_url: str, root: str, job_id: int, position: int) -> str:
    from exgen.jobs.runner import run_part

    return run_part(database_url, FileStore(root), job_id, position)


class LocalPool:
    """Parts run in processes of this service, at most ``workers`` at once (default: one per
    CPU). One thread owns the pool: it submits parts, sends a part again when its run asks for
    it (an error with attempts left) and replaces the pool if a process of it died."""

    def __init__(self, database_url: str, store: FileStore, workers: int | None = None):
        from exgen.render.writer import default_jobs

        self.database_url, self.store = database_url, store
        self.workers = workers or default_jobs()
        self._inbox: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pool = None
        self._tries: dict[tuple[int, int], int] = {}

    def send(self, job_id: int, positions) -> None:
        for position in positions:
            self._inbox.put((job_id, position))
        self._start()

    def resume(self) -> int:
        """Send again every unfinished part of an unfinished job (after a restart); how many."""
        from exgen.jobs.runner import Sessions, unfinished_parts

        with Sessions(self.database_url)() as session:
            parts = unfinished_parts(session)
        for job_id, position in parts:
            self.send(job_id, [position])
        return len(parts)

    def close(self) -> None:
        if self._thread is not None:
            self._inbox.put(None)
            self._thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

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

    def _loop(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        while True:
            item = self._inbox.get()
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
            self._tries.pop(item, None)
            return
        # the run asked to be run again (it counted its attempt), its process died, or the
        # database did not answer (then the run could not count): again after a pause, a few
        # times; a part given up here stays unfinished in the database and is resumed by the
        # next start of the service
        tries = self._tries[item] = self._tries.get(item, 0) + 1
        if tries > RESENDS:
            self._tries.pop(item, None)
            log.error("job %s part %s: given up after %s runs that failed (%s)", *item, tries, type(error).__name__)
            return
        log.warning("job %s part %s: run again after %s", *item, type(error).__name__)
        timer = threading.Timer(min(30.0, 0.5 * 2 ** tries), self._inbox.put, args=(item,))
        timer.daemon = True
        timer.start()


# -- a broker: Dramatiq over Redis ---------------------------------------------------------------------
class QueueDispatcher:
    """Parts become Dramatiq messages; ``exgen worker`` processes run them (``exgen.jobs.queue``)."""

    def __init__(self, broker_url: str):
        self.broker_url = broker_url
        self._actor = None

    def _part(self):
        if self._actor is None:
            from exgen.jobs.queue import part_actor, redis_broker

            self._actor = part_actor(redis_broker(self.broker_url), run=None)
        return self._actor

    def send(self, job_id: int, positions) -> None:
        actor = self._part()
        for position in positions:
            actor.send(job_id, position)

    def resume(self) -> int:
        return 0  # Redis keeps the messages; a dead worker's are delivered again by the broker

    def close(self) -> None:
        if self._actor is not None:
            self._actor.broker.close()

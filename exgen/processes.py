"""How exgen's processes end: children never outlive their parent, and SIGTERM ends a process
as cleanly as an error does.

- :func:`exit_on_sigterm` (every command): SIGTERM raises ``SystemExit(143)`` instead of ending
  the process on the spot, so ``with`` blocks and ``finally`` clauses run — a half-written file
  is removed (``exgen.output``), a worker pool is shut down, a transaction rolled back.
- :func:`worker_initializer` (every pool of forked workers): the kernel sends the worker SIGTERM
  when its parent dies, however it dies (SIGKILL included: ``PR_SET_PDEATHSIG``); a worker
  stopped in the middle of a task (:func:`worker_task`) removes what it was writing and exits,
  an idle one exits at once. Workers ignore SIGINT: Ctrl-C reaches the whole process group,
  and it is the parent that stops the pool.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Iterator

PR_SET_PDEATHSIG = 1
TERMINATED = 128 + signal.SIGTERM  # the exit status a shell reports for a SIGTERM


def exit_on_sigterm() -> None:
    """SIGTERM raises ``SystemExit(143)`` in the main thread (see the module's doc)."""
    signal.signal(signal.SIGTERM, _exit)


def _exit(signum, frame) -> None:
    raise SystemExit(TERMINATED)


def die_with_parent(sig: int = signal.SIGTERM, parent: int | None = None) -> None:
    """Linux: have the kernel send ``sig`` to this process when its parent dies. ``parent``:
    the pid the parent had; if it died before this call, the process exits now."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(TERMINATED)


def worker_initializer(parent: int) -> None:
    """First thing in a forked pool worker (``initializer=``, with the parent's pid)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    die_with_parent(signal.SIGTERM, parent)


class _Stopped(BaseException):
    """SIGTERM in a worker's task (BaseException: no ``except Exception`` swallows it)."""


_IN_TASK = False


@contextlib.contextmanager
def worker_task() -> Iterator[None]:
    """Around one task of a pool worker: a SIGTERM unwinds the task (its files are removed)
    and ends the worker, rather than returning to the pool's loop of a parent that is gone."""
    global _IN_TASK
    _IN_TASK = True
    try:
        yield
    except _Stopped:
        os._exit(TERMINATED)
    finally:
        _IN_TASK = False


def _stop_worker(signum, frame) -> None:
    if _IN_TASK:
        raise _Stopped()
    os._exit(TERMINATED)

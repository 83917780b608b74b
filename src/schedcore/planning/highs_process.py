"""HiGHS in a child process: a MIP solve that can be ended at any moment, its best plan kept.

MathOpt's HiGHS does not answer an interrupter (measured with OR-Tools 9.15: a
``SolveInterrupter`` fired three seconds into pmedcap20 with a 20 s limit; HiGHS returned at
its time limit, 17 s later).  So HiGHS runs in a forked child, and ending the child is the
interrupt.  HiGHS writes each better plan it finds to a temporary file
(:func:`~schedcore.planning.mip.last_improving_plan` reads the last complete one back), so an
ended solve still gives its best plan.  The child ignores the terminal's Ctrl-C: the parent
decides.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Collection
from multiprocessing.connection import Connection

from schedcore.planning.mip import Allocation, last_improving_plan, solve_allocation
from schedcore.planning.problem import Problem

__all__ = ["HighsProcess", "available"]


def available() -> bool:
    """Whether child processes can be forked here (not on Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _child(
    problem: Problem,
    time_limit: float,
    sender: Connection,
    improving: str,
    pairs: Collection[tuple[int, int]] | None,
    threads: int | None,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sender.send(
        solve_allocation(
            problem, time_limit=time_limit, pairs=pairs, threads=threads, improving_file=improving
        )
    )
    sender.close()


class HighsProcess:
    """One HiGHS solve of ``problem``'s allocation (on ``pairs`` if given) in a child process.

    ``done`` is set once its result has arrived (``result``), the child died without one
    (``died``), or the time limit passed by five seconds; ``on_done`` is then called from
    the watching thread.  ``end()`` ends the child early and returns its best plan.
    """

    def __init__(
        self,
        problem: Problem,
        *,
        time_limit: float,
        pairs: Collection[tuple[int, int]] | None = None,
        threads: int | None = None,
        on_done: Callable[[HighsProcess], None] | None = None,
    ) -> None:
        self.problem = problem
        self.result: Allocation | None = None
        self.died = False
        self.done = threading.Event()
        self._on_done = on_done
        handle, self._improving = tempfile.mkstemp(prefix="schedcore-highs-", suffix=".sol")
        os.close(handle)
        context = multiprocessing.get_context("fork")
        self._results, sender = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_child,
            args=(problem, time_limit, sender, self._improving, pairs, threads),
            name="highs",
            daemon=True,
        )
        self._child.start()
        sender.close()
        self._watcher = threading.Thread(
            target=self._watch, args=(time_limit + 5.0,), name="highs-watcher", daemon=True
        )
        self._watcher.start()

    def _watch(self, patience: float) -> None:
        try:
            if self._results.poll(patience):
                received = self._results.recv()
                if isinstance(received, Allocation):
                    self.result = received
        except (EOFError, OSError):  # the child ended without a result
            self.died = True
        finally:
            self.done.set()
        if self._on_done is not None:
            self._on_done(self)

    def wait(self) -> None:
        """Wait for ``done`` in short steps, so that an interrupt lands in the caller."""
        while not self.done.wait(0.05):
            pass

    def end(self) -> dict[int, int] | None:
        """End the solve now (if it still runs); the best plan HiGHS found (unit -> host
        positions), or ``None``."""
        if self.result is not None:
            return self.result.host_of
        self._stop_child()
        return last_improving_plan(self._improving, self.problem)

    def _stop_child(self) -> None:
        if self._child.is_alive():
            self._child.terminate()
        self._child.join()

    def close(self) -> None:
        """End the child and release the pipe and the file (safe to call again)."""
        self._stop_child()
        self._watcher.join(1.0)  # the child's end of the pipe is closed: it returns at once
        if not self._watcher.is_alive():
            self._results.close()
        with contextlib.suppress(OSError):
            os.remove(self._improving)

"""HiGHS in a child process: a MIP solve that can be ended at any moment, its best plan kept.

MathOpt's HiGHS does not answer an interrupter (measured with OR-Tools 9.15: a
``SolveInterrupter`` fired three seconds into pmedcap20 with a 20 s limit; HiGHS returned at
its time limit, 17 s later).  So HiGHS runs in a forked child, and ending the child is the
interrupt.  HiGHS writes each better plan it finds to a temporary file, which this process
reads as it grows (:class:`ImprovingPlans`): HiGHS's plans are reported as they come, and an
ended solve still gives its best plan.  The child ignores the terminal's Ctrl-C: the parent
decides.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Collection
from multiprocessing.connection import Connection

from schedcore.planning.mip import Allocation, solve_allocation
from schedcore.planning.problem import Problem
from schedcore.planning.solver_threads import SolverThread, held_interrupts

__all__ = ["HighsProcess", "ImprovingPlans", "available", "last_improving_plan"]

#: How often the file of HiGHS's plans is read while it solves.
READ_EVERY_SECONDS = 0.25


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
    # the terminal's Ctrl-C is the parent's to handle; an ending is a plain SIGTERM (a handler
    # inherited from an embedding application could not run while HiGHS is in C)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    sender.send(
        solve_allocation(
            problem, time_limit=time_limit, pairs=pairs, threads=threads, improving_file=improving
        )
    )
    sender.close()


class ImprovingPlans:
    """The plans HiGHS appends to its improving-solution file, read as the file grows.

    The file holds blocks ``Objective v``, ``# Columns n``, then ``n`` lines ``name value``;
    the last block may still be being written (or be cut short when the child is ended), so a
    block counts only once it is whole.
    """

    def __init__(self, path: str, problem: Problem) -> None:
        self._path = path
        self._problem = problem
        self._offset = 0  # bytes of whole blocks read so far

    def newest(self) -> dict[int, int] | None:
        """The newest whole plan written since the last call (unit -> host positions)."""
        try:
            with open(self._path, "rb") as file:
                file.seek(self._offset)
                data = file.read()
        except OSError:
            return None
        text = data.decode("latin-1")  # one character per byte: offsets stay byte offsets
        starts = [match.start() for match in _BLOCK.finditer(text)]
        newest = None
        consumed = 0
        for k, start in enumerate(starts):
            last = k + 1 == len(starts)
            end = len(text) if last else starts[k + 1]
            plan = _plan_of_block(text[start:end], self._problem, whole=not last)
            if plan is None and last:
                break  # still being written: read again next time
            consumed = end
            newest = plan or newest
        self._offset += consumed
        return newest


_BLOCK = re.compile(r"^Objective ", re.MULTILINE)


def last_improving_plan(path: str, problem: Problem) -> dict[int, int] | None:
    """The last whole plan in HiGHS's improving-solution file at ``path``, or ``None``."""
    return ImprovingPlans(path, problem).newest()


def _plan_of_block(block: str, problem: Problem, *, whole: bool) -> dict[int, int] | None:
    """One block's plan; ``None`` if it is cut short (``whole``: known to be complete) or is
    not a plan of ``problem``."""
    if not whole and not block.endswith("\n"):
        return None  # its last line may be cut
    lines = block.splitlines()
    if len(lines) < 2 or not lines[1].startswith("# Columns "):
        return None
    try:
        columns = int(lines[1].split()[2])
    except (IndexError, ValueError):
        return None
    rows = lines[2 : 2 + columns]
    if len(rows) != columns:
        return None
    host_of: dict[int, int] = {}
    try:
        for row in rows:
            name, _, value = row.rpartition(" ")
            if float(value) > 0.5 and name.startswith("x[") and name.endswith("]"):
                unit, _, host = name[2:-1].partition(",")
                if int(unit) in host_of:
                    return None
                host_of[int(unit)] = int(host)
    except ValueError:
        return None
    if sorted(host_of) != list(range(problem.size)):
        return None
    if any(host_of.get(j) != j for j in set(host_of.values())):
        return None  # a host outside its own cluster: not a plan of this problem
    return host_of


class HighsProcess:
    """One HiGHS solve of ``problem``'s allocation (on ``pairs`` if given) in a child process,
    begun by ``start()``.

    ``done`` is set once its result has arrived (``result``), the child died without one
    (``died``), or the time limit passed by five seconds; ``on_done`` is then called from
    the watching thread.  While HiGHS solves, each better plan it writes is passed to
    ``on_plan`` (from that thread, a few times a second at most).  ``end()`` ends the child
    early and returns its best plan.
    """

    def __init__(
        self,
        problem: Problem,
        *,
        time_limit: float,
        pairs: Collection[tuple[int, int]] | None = None,
        threads: int | None = None,
        on_done: Callable[[HighsProcess], None] | None = None,
        on_plan: Callable[[dict[int, int]], None] | None = None,
    ) -> None:
        self.problem = problem
        self.result: Allocation | None = None
        self.died = False
        self.done = threading.Event()
        #: The newest plan HiGHS has written so far (unit -> host positions).
        self.newest: dict[int, int] | None = None
        self._on_done = on_done
        self._on_plan = on_plan
        handle, self._improving = tempfile.mkstemp(prefix="schedcore-highs-", suffix=".sol")
        os.close(handle)
        self._plans = ImprovingPlans(self._improving, problem)
        self._reading = threading.Lock()
        context = multiprocessing.get_context("fork")
        self._results, sender = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_child,
            args=(problem, time_limit, sender, self._improving, pairs, threads),
            name="highs",
            daemon=True,
        )
        self._sender = sender
        self._started = False
        self._watcher = SolverThread(
            lambda: self._watch(time_limit + 5.0), name="highs-watcher", daemon=True
        )

    def start(self) -> None:
        """Fork the child and watch it.  A Ctrl-C arriving meanwhile is held until both are
        running (an interrupt in the middle of a fork would lose the child's process id), then
        raised here, so that the caller's ``close()`` ends the child."""
        with held_interrupts():
            # blocked in this thread while it forks: the child inherits the mask and unblocks
            # SIGINT only once it ignores it
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                self._child.start()
                self._started = True
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                self._sender.close()
                self._watcher.start()  # a child that never started reads as died

    def _watch(self, patience: float) -> None:
        give_up = time.monotonic() + patience
        try:
            while (left := give_up - time.monotonic()) > 0:
                if self._results.poll(min(READ_EVERY_SECONDS, left)):
                    received = self._results.recv()
                    if isinstance(received, Allocation):
                        self.result = received
                    break
                self._read_plans()
        except (EOFError, OSError):  # the child ended without a result
            self.died = True
        finally:
            self.done.set()
        if self._on_done is not None:
            self._on_done(self)

    def _read_plans(self) -> None:
        """Take the newest plan HiGHS has written, if any, and pass it on."""
        with self._reading:
            plan = self._plans.newest()
            if plan is None:
                return
            self.newest = plan
        if self._on_plan is not None:
            self._on_plan(plan)

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
        self._read_plans()
        return self.newest

    def _stop_child(self) -> None:
        """End the child (a further Ctrl-C meanwhile does not stop the ending)."""
        if not self._started:
            return
        while True:
            try:
                if self._child.is_alive():
                    self._child.terminate()
                    self._child.join(2.0)
                    if self._child.is_alive():  # pragma: no cover - SIGTERM not taken
                        self._child.kill()
                self._child.join()
                return
            except KeyboardInterrupt:
                continue

    def close(self) -> None:
        """End the child and release the pipe and the file (safe to call again)."""
        try:
            self._stop_child()
        finally:
            if self._watcher.running:
                with contextlib.suppress(KeyboardInterrupt):
                    self._watcher.wait(1.0)  # the child's end of the pipe is closed by now
            if not self._watcher.running:
                self._results.close()
            with contextlib.suppress(OSError):
                os.remove(self._improving)

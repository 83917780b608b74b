"""Solver threads that a Ctrl-C can neither orphan nor lose.

The planner runs its long native solves (the race's CP-SAT, kernels, side-by-side
neighbourhoods, HiGHS where no child process can be forked) in threads of their own, so that
the main thread waits in Python, where Ctrl-C lands.  Waiting with ``Thread.join`` is not
safe for that: on Python before 3.13, a ``KeyboardInterrupt`` raised inside ``join`` can
release the running thread's state lock on its behalf and mark it stopped.  ``is_alive()``
then answers ``False`` while the solver is still searching; nothing waits for it, and when it
returns into an interpreter that is shutting down the process aborts ("terminate called
without an active exception", measured: 6 runs in 8 of ``schedcore plan`` interrupted as the
race's CP-SAT budget ended).

A :class:`SolverThread` is waited for by polling an event of its own, set when its target
returns (no lock is taken in the waiting thread, so an interrupt there breaks nothing); and it
is started with Ctrl-C held, so it either never started or is known to run.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType

__all__ = ["SolverThread", "finish", "held_interrupts", "run_out"]


@contextlib.contextmanager
def held_interrupts() -> Iterator[None]:
    """Ctrl-C (SIGINT) arriving within the block is held, and raised once it has ended.

    Only the main thread receives ``KeyboardInterrupt``; elsewhere, or where SIGINT's handler
    was not set from Python (it could not be put back), this does nothing.  An exception
    raised in the block wins over a held interrupt.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield
        return
    held: list[FrameType | None] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(frame)

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        # putting Python's handler back also repairs the C-level one (CP-SAT restores SIGINT's
        # default action when its solve ends, behind Python's back)
        signal.signal(signal.SIGINT, previous)
    if held and callable(previous):
        previous(signal.SIGINT, held[0])
    elif held and previous != signal.SIG_IGN:
        # the default action, set from Python, would end the process with no plan
        raise KeyboardInterrupt


class SolverThread:
    """A thread running ``target``, whose end is an event (see the module's docstring)."""

    def __init__(self, target: Callable[[], object], *, name: str, daemon: bool = False) -> None:
        self.finished = threading.Event()
        self.started = False

        def run() -> None:
            try:
                target()
            finally:
                self.finished.set()

        self._thread = threading.Thread(target=run, name=name, daemon=daemon)

    def start(self) -> None:
        """Start the thread; a Ctrl-C meanwhile is raised once it runs (see
        :func:`held_interrupts`)."""
        with held_interrupts():
            self._thread.start()
            self.started = True

    @property
    def running(self) -> bool:
        """Started, and its target has not returned."""
        return self.started and not self.finished.is_set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the target to return (an interrupt may land
        here, harmlessly); whether it has, or never started."""
        if not self.started:
            return True
        # polled, not Event.wait: Condition.wait can leave its lock released on an interrupt
        # and then fail releasing it again (RuntimeError), escaping the waiting loops
        give_up = time.monotonic() + timeout
        while not self.finished.is_set():
            left = give_up - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(0.01, left))
        return True


def run_out(thread: SolverThread) -> bool:
    """Start ``thread`` and wait until its target returns, however often Ctrl-C lands
    meanwhile (for a solver that cannot be stopped); returns whether one did."""
    interrupted = False
    try:
        thread.start()
    except KeyboardInterrupt:  # held while it started: it runs
        interrupted = True
    while thread.running:
        try:
            thread.wait(0.05)
        except KeyboardInterrupt:
            interrupted = True
    return interrupted


def finish(threads: Iterable[SolverThread], stop: Callable[[], object] | None = None) -> None:
    """Wait until every thread's target has returned, calling ``stop`` (if given) each 50 ms:
    a stop asked of a solver before its search begins is lost.  A further Ctrl-C meanwhile
    does not end the waiting; the threads must be over before anything else goes on."""
    waiting = list(threads)
    while True:
        try:
            if not any(thread.running for thread in waiting):
                return
            if stop is not None:
                stop()
            for thread in waiting:
                if thread.running:
                    thread.wait(0.05)
                    break
        except KeyboardInterrupt:
            continue

"""Solver threads under Ctrl-C: a real SIGINT to this process, landing while the main thread
waits, must never make a running thread look finished (with ``Thread.join`` on Python before
3.13 it did, and ``schedcore plan`` then aborted at exit with CP-SAT still searching)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from schedcore.planning.solver_threads import SolverThread, finish, held_interrupts, run_out


@pytest.fixture(autouse=True)
def python_handles_sigint() -> Iterator[None]:
    """Python's own Ctrl-C handler for the test, whatever a solver left behind."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _sigint_in(seconds: float) -> threading.Timer:
    """SIGINT to this process after ``seconds`` (delivered as a terminal's Ctrl-C is)."""
    timer = threading.Timer(seconds, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_an_interrupt_while_waiting_leaves_the_thread_running_and_known() -> None:
    release = threading.Event()
    worker = SolverThread(lambda: release.wait(10), name="blocked")
    worker.start()
    _sigint_in(0.1)
    with pytest.raises(KeyboardInterrupt):
        worker.wait(5.0)
    # the interrupt ended the wait, not the thread: it is still known to run
    assert worker.running
    release.set()
    assert worker.wait(5.0)
    assert not worker.running


def test_finish_stops_and_outlasts_further_interrupts() -> None:
    release = threading.Event()
    stops: list[float] = []
    worker = SolverThread(lambda: release.wait(10), name="blocked")
    worker.start()

    def stop() -> None:
        stops.append(time.perf_counter())
        if len(stops) >= 8:  # a solver that takes several stops (one was asked too early)
            release.set()

    timers = [_sigint_in(0.02), _sigint_in(0.12)]
    finish([worker], stop)  # no KeyboardInterrupt escapes: the thread must be over first
    for timer in timers:
        timer.join()
    assert len(stops) >= 8
    assert not worker.running
    assert release.is_set()


def test_run_out_waits_for_an_unstoppable_solver_and_says_it_was_interrupted() -> None:
    ended: list[bool] = []

    def unstoppable() -> None:
        time.sleep(0.4)
        ended.append(True)

    _sigint_in(0.1)
    assert run_out(SolverThread(unstoppable, name="unstoppable")) is True
    assert ended == [True]
    assert run_out(SolverThread(lambda: None, name="quick")) is False


def test_an_interrupt_is_held_while_a_thread_starts_and_raised_after() -> None:
    reached: list[str] = []
    with pytest.raises(KeyboardInterrupt), held_interrupts():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler has run by now: held, not raised
        reached.append("end of block")
    assert reached == ["end of block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_held_interrupt_reaches_the_handler_in_force() -> None:
    noted: list[int] = []

    def note(signum: int, frame: object) -> None:
        noted.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, note)
    with pytest.raises(KeyboardInterrupt), held_interrupts():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
    assert noted == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is note


def test_a_held_interrupt_under_the_default_action_is_raised_not_fatal() -> None:
    # CP-SAT restores SIGINT's default action, not Python's handler
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    with pytest.raises(KeyboardInterrupt), held_interrupts():
        os.kill(os.getpid(), signal.SIGINT)  # held by the block's handler: not fatal
        time.sleep(0.05)
    assert signal.getsignal(signal.SIGINT) == signal.SIG_DFL


def test_a_thread_never_started_counts_as_finished() -> None:
    worker = SolverThread(lambda: None, name="never")
    assert not worker.running
    assert worker.wait(0.0)
    finish([worker])

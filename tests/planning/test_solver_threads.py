"""Solver threads under Ctrl-C: a real SIGINT to this process, landing while the main thread
waits, must never make a running thread look finished (with ``Thread.join`` on Python before
3.13 it did, and ``schedcore plan`` then aborted at exit with CP-SAT still searching).

Every signal a test sends is handled before the test ends (a late one would stop pytest)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

import pytest

from schedcore.planning.solver_threads import SolverThread, finish, held_interrupts, run_out


class Interrupts:
    """Ctrl-C as a terminal sends it (SIGINT to this process), counted as the handler raises."""

    def __init__(self) -> None:
        self.handled = 0
        self.all_handled = threading.Event()
        self.expected = 0
        self.timers: list[threading.Timer] = []

    def handler(self, signum: int, frame: FrameType | None) -> None:
        self.handled += 1
        if self.handled >= self.expected:
            self.all_handled.set()
        raise KeyboardInterrupt

    def send_in(self, seconds: float) -> None:
        self.expected += 1
        self.all_handled.clear()
        timer = threading.Timer(seconds, os.kill, args=(os.getpid(), signal.SIGINT))
        self.timers.append(timer)
        timer.start()

    def send_now(self) -> None:
        self.expected += 1
        self.all_handled.clear()
        os.kill(os.getpid(), signal.SIGINT)


@pytest.fixture
def interrupts() -> Iterator[Interrupts]:
    counted = Interrupts()
    previous = signal.signal(signal.SIGINT, counted.handler)
    try:
        yield counted
    finally:
        for timer in counted.timers:
            timer.join()
        # whatever was sent has been handled, here, before pytest's own handler is back
        deadline = time.monotonic() + 10
        while counted.handled < counted.expected and time.monotonic() < deadline:
            with contextlib.suppress(KeyboardInterrupt):
                time.sleep(0.01)
        signal.signal(signal.SIGINT, previous)


def test_an_interrupt_while_waiting_leaves_the_thread_running_and_known(
    interrupts: Interrupts,
) -> None:
    release = threading.Event()
    worker = SolverThread(lambda: release.wait(30), name="blocked")
    worker.start()
    interrupts.send_in(0.1)
    with pytest.raises(KeyboardInterrupt):
        worker.wait(30.0)
    # the interrupt ended the wait, not the thread: it is still known to run
    assert worker.running
    release.set()
    assert worker.wait(5.0)
    assert not worker.running


def test_finish_stops_and_outlasts_further_interrupts(interrupts: Interrupts) -> None:
    release = threading.Event()
    stops: list[float] = []
    worker = SolverThread(lambda: release.wait(30), name="blocked")
    worker.start()

    def stop() -> None:
        # a solver that takes several stops (one was asked too early), ending only once both
        # interrupts have landed in the waiting
        stops.append(time.perf_counter())
        if len(stops) >= 8 and interrupts.all_handled.is_set():
            release.set()

    interrupts.send_in(0.02)
    interrupts.send_in(0.12)
    finish([worker], stop)  # no KeyboardInterrupt escapes: the thread must be over first
    assert interrupts.handled == 2
    assert len(stops) >= 8
    assert not worker.running


def test_run_out_waits_for_an_unstoppable_solver_and_says_it_was_interrupted(
    interrupts: Interrupts,
) -> None:
    ended: list[bool] = []

    def unstoppable() -> None:
        interrupts.all_handled.wait(30)  # returns only after the interrupt was handled
        ended.append(True)

    interrupts.send_in(0.1)
    assert run_out(SolverThread(unstoppable, name="unstoppable")) is True
    assert ended == [True]
    assert run_out(SolverThread(lambda: None, name="quick")) is False


def test_an_interrupt_while_a_thread_starts_is_raised_once_it_runs(
    interrupts: Interrupts, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    worker = SolverThread(lambda: release.wait(30), name="starting")
    real_start = worker._thread.start

    def start_then_ctrl_c() -> None:
        real_start()
        interrupts.send_now()
        time.sleep(0.05)  # the handler runs meanwhile: held, not raised

    monkeypatch.setattr(worker._thread, "start", start_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        worker.start()
    assert worker.started and worker.running  # known to run, so it will be waited for
    release.set()
    finish([worker])
    assert not worker.running


def test_run_out_waits_for_a_thread_whose_start_was_interrupted(
    interrupts: Interrupts, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended: list[bool] = []

    def unstoppable() -> None:
        time.sleep(0.3)
        ended.append(True)

    worker = SolverThread(unstoppable, name="unstoppable")
    real_start = worker._thread.start

    def start_then_ctrl_c() -> None:
        real_start()
        interrupts.send_now()
        time.sleep(0.05)

    monkeypatch.setattr(worker._thread, "start", start_then_ctrl_c)
    assert run_out(worker) is True
    assert ended == [True]


def test_an_interrupt_is_held_within_the_block_and_raised_after(interrupts: Interrupts) -> None:
    reached: list[str] = []
    with pytest.raises(KeyboardInterrupt), held_interrupts():
        interrupts.send_now()
        time.sleep(0.05)  # the handler has run by now: held, not raised
        reached.append("end of block")
    assert reached == ["end of block"]
    assert interrupts.handled == 1  # the handler in force took it, once
    assert signal.getsignal(signal.SIGINT) == interrupts.handler


def test_an_error_in_the_block_wins_over_a_held_interrupt(interrupts: Interrupts) -> None:
    with pytest.raises(OSError, match="fork failed"), held_interrupts():
        interrupts.send_now()
        time.sleep(0.05)
        raise OSError("fork failed")
    interrupts.expected -= 1  # dropped with the error: nothing left to handle
    assert signal.getsignal(signal.SIGINT) == interrupts.handler


def test_a_held_interrupt_under_the_default_action_is_raised_not_fatal(
    interrupts: Interrupts,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        with pytest.raises(KeyboardInterrupt), held_interrupts():
            os.kill(os.getpid(), signal.SIGINT)  # held by the block's handler: not fatal
            time.sleep(0.05)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGINT, interrupts.handler)


def test_a_thread_never_started_counts_as_finished() -> None:
    worker = SolverThread(lambda: None, name="never")
    assert not worker.running
    assert worker.wait(0.0)
    finish([worker])

"""SIGTERM and a late Ctrl-C for the commands that follow runs (`run`, `runs attach`).

SIGTERM (what Docker, systemd and `kill` send) is taken like Ctrl-C: polling
is cancelled, the runtime writes the record as far as it is known (the run id
kept, the error saying it was interrupted), then the command says so in one
line and exits 143 (EXIT_TERMINATED: 128 + 15, the shell's convention).

Once a run's result is known and recorded, a Ctrl-C no longer interrupts the
command: the result is printed whole and the exit code is the run's, never
click's `Aborted!` and 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading

import click

from ..exitcodes import EXIT_INTERRUPTED, EXIT_TERMINATED

__all__ = ["Terminated", "exit_terminable", "follow_one", "hold_interrupts", "run_terminable", "sigterm_raises"]


class Terminated(Exception):
    """SIGTERM arrived while the command ran."""


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def sigterm_raises():
    """While the block runs, SIGTERM raises Terminated (outside the event loop,
    where no record is in flight: compiling, starting a server, printing)."""
    if not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_terminable(command, *args) -> None:
    """Exit with command(*args)'s code; a SIGTERM outside the event loop (no
    run in flight: compiling, starting a server, printing) says "terminated"
    and exits 143. One inside it is the command's to report (run_terminable)."""
    try:
        with sigterm_raises():
            code = command(*args)
    except Terminated:
        click.echo("terminated", err=True)
        code = EXIT_TERMINATED
    raise SystemExit(code)


def run_terminable(coro):
    """asyncio.run(coro), where SIGTERM cancels the coroutine as Ctrl-C does
    (the runtime updates the record on cancellation) and then raises Terminated."""
    return asyncio.run(_cancel_on_sigterm(coro))


async def _cancel_on_sigterm(coro):
    if not _in_main_thread():
        return await coro
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    got: list[int] = []

    def on_sigterm(signum, frame):
        # A signal handler must not raise into the middle of the runtime's code:
        # it only asks the loop to cancel the task, as asyncio does for SIGINT.
        if not got:
            got.append(signum)
            loop.call_soon_threadsafe(task.cancel)

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        return await coro
    except asyncio.CancelledError:
        if got:
            raise Terminated() from None
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def follow_one(coro, err, line, tracker, *, local: bool):
    """(the outcome, None) of one run followed under its live status line, or
    (None, 130 or 143) once Ctrl-C or SIGTERM stopped it and what it left
    behind was said (`maestro run` of one spec, `maestro runs attach`)."""
    from ..runtime import progress, render

    try:
        with progress.live_status(err, line):
            return run_terminable(coro), None
    except KeyboardInterrupt:
        render.print_stopped(err, tracker, local=local, total=1)
        return None, EXIT_INTERRUPTED
    except Terminated:
        render.print_stopped(err, tracker, local=local, total=1, word="terminated")
        return None, EXIT_TERMINATED


def _ignore(signum, frame):
    pass


def hold_interrupts() -> None:
    """From now on Ctrl-C does nothing: the result is known and recorded, and
    what is left (printing it, stopping the local server) is short.

    Not undone: the command ends right after, and a handler put back then could
    still raise while the interpreter shuts down. A Python handler, not
    SIG_IGN, so that processes started later do not inherit the ignoring."""
    if _in_main_thread():
        signal.signal(signal.SIGINT, _ignore)

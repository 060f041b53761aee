"""`maestro runs list|show|attach|prune`: thin click layers over the runtime's records (runtime/store.py)."""

from __future__ import annotations

import click

from ..compiler import limits as L
from .common import fail, fail_runtime
from .options import RUN_HELP_EPILOG, base_url_option, polling_options


@click.group(epilog=RUN_HELP_EPILOG)
def runs():
    """The local record of runs: list them, show one, resume one, prune stale ones.

    Records live in $MAESTRO_HOME/runs, or the user data dir
    (e.g. ~/.local/share/maestro-spec/runs). They never hold the API key
    or a tool header value.
    """


# Unreadable record files named one by one before "... and N more".
MAX_NAMED_SKIPPED = 5


def _open_store():
    from ..runtime.store import RunStore

    return RunStore()


def _printable(text: str) -> str:
    """Text read from a record file (an id, a status, a file name) as it can be
    shown on a terminal: control characters escaped, never obeyed."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _name_skipped(store) -> None:
    """Each record file the command could not read, named once on stderr."""
    items = list(store.skipped.items())
    for path, why in items[:MAX_NAMED_SKIPPED]:
        click.echo(f"warning: skipped {_printable(path.name)} in {store.runs_dir}: it {why}", err=True)
    if len(items) > MAX_NAMED_SKIPPED:
        click.echo(f"warning: ... and {len(items) - MAX_NAMED_SKIPPED} more unreadable files in {store.runs_dir}", err=True)
    store.skipped.clear()


@runs.command("list")
@click.option("-n", "--limit", type=click.IntRange(1), metavar="N", default=20, show_default=True, help="How many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per record, newest first.")
def list_runs(limit, as_json):
    """The most recent runs."""
    from ..runtime.console import make_console, print_table
    from ..runtime.render import records_table

    store = _open_store()
    records = store.list(limit)
    _name_skipped(store)
    if as_json:
        from ..runtime.payload import record_summary_line

        for r in records:
            click.echo(record_summary_line(r))
        return
    out = make_console()
    if not records:
        click.echo(f"no runs recorded yet in {store.runs_dir}", err=True)
        return
    print_table(out, records_table(records, out))


def _find(ident: str):
    if not ident.strip():
        raise fail("an empty ID matches no run; give a run id or record id (or a prefix) from `maestro runs list`")
    store = _open_store()
    found = store.find(ident)
    _name_skipped(store)
    if found is None:
        raise fail(f"no recorded run matches {_printable(ident)!r}; see `maestro runs list` (records in {store.runs_dir})")
    if isinstance(found, list):
        ids = ", ".join(_printable(r.display_id[:40]) for r in found[:5])
        raise fail(f"{_printable(ident)!r} matches {len(found)} runs ({ids}{', ...' if len(found) > 5 else ''}); give more of the id")
    return found


@runs.command("show")
@click.argument("ident", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the whole record (request, response, timings) as JSON.")
def show_run(ident, as_json):
    """A recorded run: its result if it finished, else where it stands. No network."""
    from ..runtime import console, render

    record = _find(ident)
    if as_json:
        from ..runtime.payload import record_json

        click.echo(record_json(record))
        return
    render.render_record(record, console.make_console(), console.make_console(stderr=True))
    if record.unfinished and record.is_local:
        click.echo("  hint: its built-in local server has stopped, so it cannot be resumed; `maestro runs prune` removes such records", err=True)
    elif record.unfinished and record.run_id:
        from ..runtime.errors import attach_command

        click.echo(f"  hint: resume with: {attach_command(record.run_id)}", err=True)
    elif record.unfinished:
        click.echo("  hint: the server never named the run, but one may exist: check your AI21 account before running again", err=True)


@runs.command("attach", epilog=RUN_HELP_EPILOG)
@click.argument("ident", metavar="ID")
@base_url_option(help="Where to find the run, if not where it was submitted.")
@polling_options
def attach_run(ident, base_url, timeout, poll_interval, min_score, as_json, max_retries):
    """Resume waiting for a run an interrupted or timed-out command left behind."""
    from .signals import exit_terminable

    exit_terminable(_attach, ident, base_url, timeout, poll_interval, min_score, as_json, max_retries)


def _attach(ident, base_url, timeout, poll_interval, min_score, as_json, max_retries) -> int:
    from ..runtime import errors as E
    from ..runtime import console, progress, render
    from ..runtime.batch import Tracker
    from ..runtime.outcome import RunSettings, outcome_from_record
    from ..runtime.payload import outcomes_json
    from ..runtime.poll import attach
    from ..runtime.record import run_duration
    from ..runtime.store import RunStore
    from ..runtime.target import key_for, usable_base_url
    from .signals import follow_one, hold_interrupts

    record = _find(ident)
    key = None  # only needed, and read, when the run is followed again
    out, err = console.make_console(), console.make_console(stderr=True)
    if not record.run_id:
        raise fail(
            f"record {_printable(record.id)} has no run id: the server never confirmed the run (status {_printable(record.status)})"
        )
    if record.status in L.TERMINAL_STATUSES and record.response:
        outcome = outcome_from_record(record, min_score=min_score)
        err.print(f"run {_printable(record.run_id)} had already ended; shown from the record", style="dim", markup=False)
    else:
        if record.is_local and not base_url:
            raise fail(
                f"run {_printable(record.run_id)} was on the built-in local server of an earlier `--local` command, which has stopped; "
                "run the spec again (`maestro runs prune` removes such records)"
            )
        try:
            url = usable_base_url(base_url or record.base_url)
            key = key_for(url, url_given=bool(base_url), offer_local=False)
        except E.RuntimeFailure as e:
            raise fail_runtime(e) from None
        settings = RunSettings(
            base_url=url, api_key=key, timeout=timeout, poll_interval=poll_interval, min_score=min_score, max_retries=max_retries
        )
        store = RunStore(secrets=(key,))
        line = progress.StatusLine()
        tracker = Tracker(forward=line.update)
        outcome, stopped = follow_one(attach(record, settings=settings, on_status=tracker, store=store), err, line, tracker, local=False)
        if stopped is not None:
            return stopped
        hold_interrupts()
        # The run took from its creation to its end, not just this command's wait.
        took = run_duration(record) if outcome.run is not None and outcome.run.is_terminal else None
        if took is not None and took > (record.elapsed or 0.0):
            outcome.elapsed = record.elapsed = took
            try:
                store.save(record)
            except E.RuntimeFailure as e:
                outcome.warnings.append(str(e))
    if as_json:
        click.echo(outcomes_json([outcome], single=True, key=key), nl=False)
    else:
        render.render_outcome(outcome, out)
    render.print_problems(outcome, err)
    return outcome.exit_code


@runs.command("prune")
@click.option(
    "--older-than",
    "older_than",
    type=click.STRING,
    default="1h",
    show_default=True,
    metavar="AGE",
    help="Only records created longer ago than this: 30m, 12h, 7d, or seconds.",
)
@click.option("--cloud", is_flag=True, help="Also unfinished runs on AI21's cloud or another server (they may still be resumable).")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
def prune_runs(older_than, cloud, dry_run):
    """Remove records of runs that never finished and never will.

    \b
    By default: runs of the built-in local server (`--local`) left
    submitting, unknown or in_progress, created over an hour ago. That
    server stopped with its command, so they cannot be resumed. Finished
    runs (completed, failed, ...) are never pruned.
    """
    from ..runtime.store import StoreError

    seconds = _parse_age(older_than)
    store = _open_store()
    stale = store.stale(older_than=seconds, local_only=not cloud)
    _name_skipped(store)
    verb = "would remove" if dry_run else "removed"
    for record in stale:
        if not dry_run:
            try:
                store.remove(record)
            except StoreError as e:
                raise fail(str(e)) from None
        where = "local" if record.is_local else record.target
        click.echo(" ".join(_printable(x) for x in (verb, record.display_id, "", record.status, "", where, "", record.spec or "-")))
    scope = "unfinished runs" if cloud else "unfinished --local runs"
    click.echo(f"{verb} {len(stale)} record{'' if len(stale) == 1 else 's'} of {scope} older than {older_than}", err=True)


_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _parse_age(text: str) -> float:
    t = text.strip().lower()
    unit = _AGE_UNITS.get(t[-1:]) if t else None
    number = t[:-1] if unit else t
    try:
        value = float(number) * (unit or 1)
    except ValueError:
        value = -1.0
    if not (value >= 0 and value != float("inf")):
        raise fail(f"--older-than {text!r} is not an age: give e.g. 30m, 12h, 7d or a number of seconds")
    return value

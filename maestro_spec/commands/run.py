"""`maestro run` and `maestro runs list|show|attach`: thin click layers over maestro_spec.runtime."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from ..compiler import limits as L
from ..transport import DEFAULT_BASE_URL, HOST_ENV, KEY_ENV
from ..compiler.sources import InputFileError, compile_path
from ..exitcodes import EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE, RUN_EXIT_CODES, exit_codes_help
from ..runtime.defaults import DEFAULT_RUN_TIMEOUT, MAX_CONCURRENCY, MAX_RETRIES
from .common import (
    expand_paths,
    fail,
    get_vars,
    output_format_option,
    report,
    spec_exit_code,
    var_options,
)

DEFAULT_JOBS = 4

RUN_HELP_EPILOG = (
    exit_codes_help(RUN_EXIT_CODES)
    + """

\b
Environment:
  AI21_API_KEY   the API key (sent only over https, or http to loopback)
  AI21_API_HOST  the base URL (default """ + DEFAULT_BASE_URL + """)
  MAESTRO_HOME   where run records are kept (default: the user data dir)"""
)


class PollInterval(click.ParamType):
    name = "auto|SECONDS"

    def convert(self, value, param, ctx):
        if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
            return None
        try:
            seconds = float(value)
        except ValueError:
            self.fail(f"{value!r} is neither 'auto' nor a number of seconds", param, ctx)
        if not 0.01 <= seconds <= 600:
            self.fail(f"{seconds:g} s is outside 0.01 .. 600", param, ctx)
        return seconds


def _polling_options(f):
    f = click.option(
        "--max-retries",
        type=click.IntRange(0, 20),
        metavar="N",
        default=MAX_RETRIES,
        show_default=True,
        help="Retries per HTTP call (GETs; the POST only when no run can have been created).",
    )(f)
    f = click.option(
        "--min-score",
        type=click.FloatRange(0.0, 1.0),
        metavar="0..1",
        help="Exit 4 when the overall requirements score is below this (needs include requirements_result).",
    )(f)
    f = click.option("--json", "as_json", is_flag=True, help="Print the Run object as JSON and nothing else on stdout.")(f)
    f = click.option(
        "--poll-interval",
        type=PollInterval(),
        default="auto",
        show_default=True,
        help="Seconds between status checks; 'auto' checks often at first and rarely for long runs (docs/runtime.md).",
    )(f)
    f = click.option(
        "--timeout",
        type=click.FloatRange(0.0, min_open=True),
        default=DEFAULT_RUN_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="Stop waiting after this long; the run goes on and `maestro runs attach ID` resumes it.",
    )(f)
    return f


# ------------------------------------------------------------------ maestro run


@click.command(epilog=RUN_HELP_EPILOG)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@var_options
@click.option("--local", is_flag=True, help="Run on the built-in local server (a simulation: no key, no cost).")
@click.option("--base-url", metavar="URL", help="The API's base URL, e.g. http://127.0.0.1:8021/studio/v1 for `maestro serve`.")
@_polling_options
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_CONCURRENCY), metavar="N", default=DEFAULT_JOBS, show_default=True, help="Runs at once when given several specs.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Also write what --json prints to this file (for one run that never got a Run object: its spec, status and error).",
)
@click.option("--cache", is_flag=True, help="Reuse the recorded response of an identical completed request instead of running it again.")
@output_format_option
def run(paths, var_args, var_files, local, base_url, timeout, poll_interval, min_score, as_json, max_retries, jobs, output, cache, output_format):
    """Run specs on Maestro: submit, wait for the end, show the result.

    \b
    maestro run examples/invoice.maestro --local
    maestro run specs/*.maestro -j 8 --min-score 0.8
    AI21_API_KEY=... maestro run examples/invoice.maestro

    Every run is recorded before anything is printed: see `maestro runs list`.
    """
    from .signals import exit_terminable

    options = (var_args, var_files, local, base_url, timeout, poll_interval, min_score, as_json, max_retries, jobs, output, cache)
    exit_terminable(_run_command, paths, *options, output_format)


def _run_command(
    paths, var_args, var_files, local, base_url, timeout, poll_interval, min_score, as_json, max_retries, jobs, output, cache, output_format
) -> int:
    vars = get_vars(var_args, var_files)
    target_url, key = resolve_target(local, base_url)
    if output and not Path(output).resolve().parent.is_dir():
        raise fail(f"cannot write {output}: no such directory")

    jobs_list = _compile_all(paths, vars, output_format)
    if min_score is not None:
        for job in jobs_list:
            if L.INCLUDE_REQUIREMENTS_RESULT not in (job.request.get("include") or ()):
                raise fail(f"{job.spec}: --min-score needs the run's score: add 'include {L.INCLUDE_REQUIREMENTS_RESULT}' to the spec")

    settings_kwargs = dict(
        api_key=key,
        timeout=timeout,
        poll_interval=poll_interval,
        max_retries=max_retries,
        min_score=min_score,
        use_cache=cache,
    )
    if local:
        server = start_local_server()
        try:
            code = _run_jobs(jobs_list, server.base_url, settings_kwargs, local=True, jobs=jobs, as_json=as_json, output=output)
        finally:
            server.stop()
    else:
        code = _run_jobs(jobs_list, target_url, settings_kwargs, local=False, jobs=jobs, as_json=as_json, output=output)
    return code


def start_local_server():
    """The built-in local server, started (the caller stops it); a one-line error if it cannot start."""
    from ..server.config import ServerConfig
    from ..server.embedded import LocalServer, ServerStartError

    try:
        return LocalServer(ServerConfig()).start()
    except ServerStartError as e:
        raise fail(str(e)) from None


def resolve_target(local: bool, base_url: str | None) -> tuple[str | None, str | None]:
    """(base URL, key) for `run` and `watch`: the rules of docs/runtime.md#keys.
    Exits with a one-line error when they cannot work."""
    from ..runtime import errors as E
    from ..runtime.client import usable_base_url

    try:
        if local and base_url:
            raise E.UsageFailure("--local and --base-url name two servers; pick one")
        if local:
            return None, None  # the embedded server needs no key and gets none
        url = usable_base_url(base_url or os.environ.get(HOST_ENV) or DEFAULT_BASE_URL)
        return url, resolve_key(url, url_given=base_url is not None)
    except E.RuntimeFailure as e:
        raise fail_runtime(e) from None


def resolve_key(url: str, *, url_given: bool, resuming: bool = False) -> str | None:
    """The API key from the environment, or MissingKey when the run surely needs one.

    No key is fine for a loopback server (`maestro serve`), and for a URL given
    with --base-url (the server there decides). `resuming` (runs attach) words
    the error without suggesting --local, which cannot resume a run.
    """
    from urllib.parse import urlsplit

    from ..transport import is_loopback
    from ..runtime import errors as E

    key = os.environ.get(KEY_ENV) or None
    if key is None and not url_given and not is_loopback(urlsplit(url).hostname or ""):
        raise E.MissingKey(url if resuming else None)
    return key


def _compile_all(paths, vars, output_format):
    from ..compiler.diagnostics import count_errors
    from ..runtime.batch import Job

    out, errors, code = [], 0, EXIT_OK
    for path in expand_paths(paths):
        try:
            source = compile_path(path, vars, require_values=True)
        except InputFileError as e:
            click.secho(f"error: {e}", fg="red", err=True)
            code = EXIT_USAGE
            continue
        report(source, output_format, stdout_is_data=True)
        if count_errors(source.compiled.diagnostics) or source.compiled.request is None:
            errors += 1
            code = max(code, spec_exit_code(source.compiled.diagnostics))
            continue
        out.append(Job(path, source.compiled.request))
    if errors:
        click.echo(f"not run: {errors} spec{'s' if errors > 1 else ''} with errors", err=True)
    if code != EXIT_OK:
        raise SystemExit(code)
    return out


def _run_jobs(jobs_list, base_url, settings_kwargs, *, local, jobs, as_json, output) -> int:
    from rich.text import Text

    from ..runtime import render
    from ..runtime.batch import Tracker, batch_exit_code, run_batch
    from ..runtime.outcome import RunSettings
    from ..runtime.poll import execute
    from .signals import Terminated, hold_interrupts, run_async

    settings = RunSettings(base_url=base_url, local=local, **settings_kwargs)
    out = render.make_console()
    err = render.make_console(stderr=True)
    single = len(jobs_list) == 1

    if single:
        line = render.StatusLine()
        tracker = Tracker(forward=line.update)
        job = jobs_list[0]
        try:
            with render.live_status(err, line):
                outcomes = [run_async(execute(job.request, settings=settings, spec=job.spec, on_status=tracker))]
        except KeyboardInterrupt:
            _report_interrupt(tracker, err, local, total=1)
            return EXIT_INTERRUPTED
        except Terminated:
            _report_interrupt(tracker, err, local, total=1, word="terminated")
            return EXIT_TERMINATED
    else:
        tracker = Tracker()
        progress, on_done = _batch_progress(err, len(jobs_list))
        try:
            with progress:
                outcomes = run_async(
                    run_batch(jobs_list, settings=settings, concurrency=jobs, on_status=tracker, on_done=on_done)
                )
        except KeyboardInterrupt:
            _report_interrupt(tracker, err, local, total=len(jobs_list))
            return EXIT_INTERRUPTED
        except Terminated:
            _report_interrupt(tracker, err, local, total=len(jobs_list), word="terminated")
            return EXIT_TERMINATED
    hold_interrupts()  # every result is known and recorded: show them whole

    for o in outcomes:
        if o.cached_from:
            render.print_line(err, Text(f"cached: {o.spec} reuses the completed run {o.run_id} recorded as {o.cached_from} (--cache)"))
    payload = _json_payload(outcomes, single, key=settings.api_key)
    if output is not None:
        try:
            Path(output).write_text(payload, encoding="utf-8")
        except OSError as e:
            render.print_error(err, f"cannot write {output}: {e.strerror or e}")
    if as_json:
        click.echo(payload, nl=False)
    elif single:
        render.render_outcome(outcomes[0], out)
    else:
        render.print_table(out, render.summary_table(outcomes, out))
        out.print("details of a run: maestro runs show ID", style="dim", markup=False)
    for o in outcomes:
        render.print_problems(o, err, prefix=None if single else o.spec)
    return batch_exit_code(outcomes)


def _batch_progress(err, total):
    """A progress bar on a terminal; a plain line per finished run otherwise."""
    import contextlib

    from rich.text import Text

    from ..runtime import render

    done = {"n": 0}
    if not err.is_terminal:

        def on_done(outcome):
            done["n"] += 1
            render.print_line(err, Text(render.finished_line(outcome, done["n"], total)))

        return contextlib.nullcontext(), on_done

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = progress.add_task("running", total=total)
    failed = {"n": 0}

    def on_done(outcome):
        done["n"] += 1
        if outcome.exit_code:
            failed["n"] += 1
        progress.update(task, advance=1, description=f"running · {failed['n']} not ok" if failed["n"] else "running")

    return progress, on_done


def _json_payload(outcomes, single: bool, *, key: str | None = None) -> str:
    """What --json prints and -o writes (docs/runtime.md, Options): one run's Run
    object; for several, or for one that never got a Run object (the server
    was unreachable, refused the request), a summary per spec with the error.

    Scrubbed, as values, of the key and of the tool header values of each
    run's request, should a server have echoed them."""
    from ..compiler.credentials import secret_values
    from ..runtime.store import scrub_server_text

    def run_json(o):
        return o.run.model_dump(mode="json", exclude_unset=True) if o.run is not None else None

    def summary(o):
        return {
            "spec": o.spec,
            "run_id": o.run_id,
            "status": o.status,
            "exit_code": o.exit_code,
            "error": o.verdict,
            "run": run_json(o),
        }

    def server_text(o, value):  # the Run, an error line
        return scrub_server_text(value, (key, *secret_values(o.request)))

    def summary_of(o):
        data = summary(o)
        data["error"], data["run"] = server_text(o, data["error"]), server_text(o, data["run"])
        return data

    if single:
        o = outcomes[0]
        data = server_text(o, run_json(o)) if o.run is not None else summary_of(o)
    else:
        data = [summary_of(o) for o in outcomes]
    from ..runtime.sanitize import json_for_terminal

    # Server text may hold C1 controls and bidi overrides, which json.dumps leaves raw.
    return json_for_terminal(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def _report_interrupt(tracker, err, local: bool, *, total: int, word: str = "interrupted") -> None:
    """What Ctrl-C (word "interrupted") or SIGTERM ("terminated") left behind.

    SIGTERM gets one line per run: a service manager's log keeps lines apart."""
    from rich.text import Text

    from ..runtime.render import print_line

    def say(text: str) -> None:
        print_line(err, Text(text))

    left = tracker.in_flight()
    for event in left:
        who = f"{event.spec}: " if total > 1 and event.spec else ""
        if event.run_id and local:
            say(f"{word}: {who}run {event.run_id} was on the built-in local server, which stops now")
        elif event.run_id and word == "interrupted":
            say(f"{word}: {who}run {event.run_id} keeps going on the server")
            say(f"  resume with: maestro runs attach {event.run_id}")
        elif event.run_id:
            say(f"{word}: {who}run {event.run_id} keeps going on the server; resume with: maestro runs attach {event.run_id}")
        else:
            say(f"{word}: {who}before the server answered; a run may or may not have been created")
    not_started = total - tracker.started_count()
    if not_started > 0:
        say(f"{word}: {not_started} spec{'s' if not_started > 1 else ''} not started")
    if not left and not_started <= 0:
        say(word)


def fail_runtime(e) -> click.exceptions.Exit:
    """fail() for a runtime.errors.RuntimeFailure: its line, its hint, its exit code."""
    code = fail(str(e), e.exit_code)
    if e.hint:
        click.echo(f"  hint: {e.hint}", err=True)
    return code


# ------------------------------------------------------------------ maestro runs


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
    from ..runtime.render import make_console, print_table, records_table

    store = _open_store()
    records = store.list(limit)
    _name_skipped(store)
    if as_json:
        from ..runtime.sanitize import json_for_terminal

        for r in records:
            click.echo(json_for_terminal(json.dumps(_summary(r), ensure_ascii=False)))
        return
    out = make_console()
    if not records:
        click.echo(f"no runs recorded yet in {store.runs_dir}", err=True)
        return
    print_table(out, records_table(records, out))


def _summary(record) -> dict:
    rr = (record.response or {}).get("requirements_result") or {}
    return {
        "id": record.display_id,
        "record": record.id,
        "run_id": record.run_id,
        "status": record.status,
        "spec": record.spec,
        "target": record.target,
        "created_at": record.created_at,
        "elapsed": record.elapsed,
        "score": rr.get("score"),
        "error": record.error,
    }


def _find(ident: str, store=None):
    if not ident.strip():
        raise fail("an empty ID matches no run; give a run id or record id (or a prefix) from `maestro runs list`")
    store = store or _open_store()
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
    from dataclasses import asdict

    from ..runtime import render

    record = _find(ident)
    if as_json:
        from ..runtime.sanitize import json_for_terminal

        click.echo(json_for_terminal(json.dumps(asdict(record), indent=2, ensure_ascii=False)))
        return
    render.render_record(record, render.make_console(), render.make_console(stderr=True))
    if record.unfinished and record.is_local:
        click.echo("  hint: its built-in local server has stopped, so it cannot be resumed; `maestro runs prune` removes such records", err=True)
    elif record.unfinished and record.run_id:
        click.echo(f"  hint: resume with: maestro runs attach {_printable(record.run_id)}", err=True)
    elif record.unfinished:
        click.echo("  hint: the server never named the run, but one may exist: check your AI21 account before running again", err=True)


@runs.command("attach", epilog=RUN_HELP_EPILOG)
@click.argument("ident", metavar="ID")
@click.option("--base-url", metavar="URL", help="Where to find the run, if not where it was submitted.")
@_polling_options
def attach_run(ident, base_url, timeout, poll_interval, min_score, as_json, max_retries):
    """Resume waiting for a run an interrupted or timed-out command left behind."""
    from .signals import exit_terminable

    exit_terminable(_attach, ident, base_url, timeout, poll_interval, min_score, as_json, max_retries)


def _attach(ident, base_url, timeout, poll_interval, min_score, as_json, max_retries) -> int:
    from ..runtime.wire import Run
    from ..runtime import errors as E
    from ..runtime import render
    from ..runtime.batch import Tracker
    from ..runtime.client import usable_base_url
    from ..runtime.outcome import RunOutcome, RunSettings
    from ..runtime.poll import attach
    from ..runtime.store import RunStore, run_duration
    from .signals import Terminated, hold_interrupts, run_async

    record = _find(ident)
    key = None  # only needed, and read, when the run is followed again
    out, err = render.make_console(), render.make_console(stderr=True)
    if not record.run_id:
        raise fail(
            f"record {_printable(record.id)} has no run id: the server never confirmed the run (status {_printable(record.status)})"
        )
    if record.status in L.TERMINAL_STATUSES and record.response:
        outcome = RunOutcome(
            request=record.request,
            spec=record.spec,
            run=Run.model_validate(record.response),
            run_id=record.run_id,
            record=record,
            elapsed=record.elapsed or 0.0,
            local=record.is_local,
            min_score=min_score,
        )
        err.print(f"run {_printable(record.run_id)} had already ended; shown from the record", style="dim", markup=False)
    else:
        if record.is_local and not base_url:
            raise fail(
                f"run {_printable(record.run_id)} was on the built-in local server of an earlier `--local` command, which has stopped; "
                "run the spec again (`maestro runs prune` removes such records)"
            )
        try:
            url = usable_base_url(base_url or record.base_url)
            key = resolve_key(url, url_given=bool(base_url), resuming=True)
        except E.RuntimeFailure as e:
            raise fail_runtime(e) from None
        settings = RunSettings(
            base_url=url, api_key=key, timeout=timeout, poll_interval=poll_interval, min_score=min_score, max_retries=max_retries
        )
        store = RunStore(secrets=(key,))
        line = render.StatusLine()
        tracker = Tracker(forward=line.update)
        try:
            with render.live_status(err, line):
                outcome = run_async(attach(record, settings=settings, on_status=tracker, store=store))
        except KeyboardInterrupt:
            _report_interrupt(tracker, err, False, total=1)
            return EXIT_INTERRUPTED
        except Terminated:
            _report_interrupt(tracker, err, False, total=1, word="terminated")
            return EXIT_TERMINATED
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
        click.echo(_json_payload([outcome], True, key=key), nl=False)
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

"""`maestro run`: a thin click layer over maestro_spec.runtime (`maestro runs`: runs.py)."""

from __future__ import annotations

from pathlib import Path

import click

from ..compiler import limits as L
from ..compiler.sources import InputFileError, compile_path
from ..exitcodes import EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE
from ..runtime.defaults import DEFAULT_JOBS, MAX_CONCURRENCY
from .common import (
    expand_paths,
    fail,
    get_vars,
    output_format_option,
    report,
    resolve_target,
    spec_exit_code,
    start_local_server,
    var_options,
)
from .options import RUN_HELP_EPILOG, base_url_option, local_option, polling_options


@click.command(epilog=RUN_HELP_EPILOG)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@var_options
@local_option()
@base_url_option()
@polling_options
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
        report(source, output_format)
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

    from ..runtime import console, progress, render
    from ..runtime.batch import Tracker, batch_exit_code, run_batch
    from ..runtime.outcome import RunSettings
    from ..runtime.payload import outcomes_json
    from ..runtime.poll import execute
    from .signals import Terminated, follow_one, hold_interrupts, run_terminable

    settings = RunSettings(base_url=base_url, local=local, **settings_kwargs)
    out = console.make_console()
    err = console.make_console(stderr=True)
    single = len(jobs_list) == 1

    if single:
        line = progress.StatusLine()
        tracker = Tracker(forward=line.update)
        job = jobs_list[0]
        outcome, stopped = follow_one(execute(job.request, settings=settings, spec=job.spec, on_status=tracker), err, line, tracker, local=local)
        if stopped is not None:
            return stopped
        outcomes = [outcome]
    else:
        tracker = Tracker()
        bar, on_done = progress.batch_progress(err, len(jobs_list))
        try:
            with bar:
                outcomes = run_terminable(
                    run_batch(jobs_list, settings=settings, concurrency=jobs, on_status=tracker, on_done=on_done)
                )
        except KeyboardInterrupt:
            render.print_stopped(err, tracker, local=local, total=len(jobs_list))
            return EXIT_INTERRUPTED
        except Terminated:
            render.print_stopped(err, tracker, local=local, total=len(jobs_list), word="terminated")
            return EXIT_TERMINATED
    hold_interrupts()  # every result is known and recorded: show them whole

    for o in outcomes:
        if o.cached_from:
            console.print_line(err, Text(f"cached: {o.spec} reuses the completed run {o.run_id} recorded as {o.cached_from} (--cache)"))
    payload = outcomes_json(outcomes, single=single, key=settings.api_key)
    if output is not None:
        try:
            Path(output).write_text(payload, encoding="utf-8")
        except OSError as e:
            console.print_error(err, f"cannot write {output}: {e.strerror or e}")
    if as_json:
        click.echo(payload, nl=False)
    elif single:
        render.render_outcome(outcomes[0], out)
    else:
        console.print_table(out, render.summary_table(outcomes, out))
        out.print("details of a run: maestro runs show ID", style="dim", markup=False)
    for o in outcomes:
        render.print_problems(o, err, prefix=None if single else o.spec)
    return batch_exit_code(outcomes)

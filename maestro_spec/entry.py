"""The `maestro` command's entry point, with one fast path.

`maestro compile SPEC` with no options is what scripts, editors and build
steps run most, and click's import is ~20 ms of its ~150 ms start (measured:
benchmarks/compile.py). So when the arguments are exactly that, and the spec
compiles with nothing to say (no diagnostic, no header value to redact),
the body is written here, without importing click; the body's text is
emit.json_body's, as the click command writes it.

Anything else goes to the click CLI (maestro_spec/cli.py), which parses the
arguments and reports what there is to report, compiling the spec again if
the fast path had begun: a spec with a finding pays a second compile, a
clean one pays no click. tests/test_cli_fast_path.py keeps the two outputs
byte for byte the same.
"""

from __future__ import annotations

import os
import sys

from .exitcodes import EXIT_SPEC_ERRORS, EXIT_USAGE, cannot_write_stdout, run_guarded


def start() -> None:
    """Console-script entry (`maestro`, `python -m maestro_spec`)."""
    run_guarded(_answer)


def _answer() -> None:
    body = _clean_compile(sys.argv[1:]) if sys.stdout is not None else None
    if body is None:
        return _cli()
    try:
        sys.stdout.write(body)
        sys.stdout.flush()
    except UnicodeEncodeError:  # raised before a byte is written: the CLI words it
        _cli()
    except BrokenPipeError:
        # The reader left (`| head`): say nothing more, and exit 1 as click
        # does then (its EPIPE handling), so both paths agree.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the exit's flush then has nowhere to fail
        os.close(devnull)
        sys.exit(EXIT_SPEC_ERRORS)
    except OSError as e:  # a full disk: as the CLI says it
        print(f"error: {cannot_write_stdout(e)}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def _cli() -> None:
    from .cli import run

    run()


def _clean_compile(argv: list[str]) -> str | None:
    """The body `maestro compile PATH` would write, when argv is exactly
    that and the spec compiles with nothing to report; else None."""
    if len(argv) != 2 or argv[0] != "compile" or argv[1].startswith("-") or not os.path.isfile(argv[1]):
        return None
    try:
        from .compiler.credentials import secret_paths_in
        from .compiler.emit import json_body
        from .compiler.sources import compile_path

        compiled = compile_path(argv[1], None, require_values=True, require_env=False).compiled
        if compiled.diagnostics or compiled.request is None or secret_paths_in(compiled.request):
            return None
        return json_body(compiled.request)
    except Exception:  # the CLI reports it (an unreadable file, a bug) in its own words
        return None

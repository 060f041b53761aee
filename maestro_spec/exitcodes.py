"""The exit codes of every `maestro` command, in one place (standard library only,
so the compiler, the runtime and the CLI can all import it)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

EXIT_OK = 0
EXIT_SPEC_ERRORS = 1
EXIT_USAGE = 2
EXIT_RUN_FAILED = 3
EXIT_REQUIREMENTS_UNMET = 4
EXIT_INTERRUPTED = 130  # the shell's convention for a SIGINT
EXIT_TERMINATED = 143  # ... and for a SIGTERM (128 + 15)

EXIT_INTERNAL = 70  # EX_SOFTWARE of sysexits.h: a bug in maestro-spec, never the input

# What each code means, for the --help of each command: a command lists only
# the codes it can return (cli.py, commands/). Every code here needs a meaning,
# and a row in README.md's and docs/runtime.md's tables: tests/test_cli_exit_codes.py.
EXIT_MEANINGS = {
    EXIT_OK: "success (warnings allowed)",
    EXIT_SPEC_ERRORS: "the spec or body has errors",
    EXIT_USAGE: "usage error, or a file cannot be read, or the output cannot be written",
    EXIT_RUN_FAILED: "the run failed, timed out, or the server could not be reached",
    EXIT_REQUIREMENTS_UNMET: "the run completed but a mandatory requirement was unmet\n      or the score was below --min-score",
    EXIT_INTERNAL: "internal error: a bug in maestro-spec (MAESTRO_DEBUG=1 shows the traceback)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); a run keeps going: maestro runs attach ID",
    EXIT_TERMINATED: "terminated (SIGTERM); the same",
}


# The wording of 130 for a command that starts no run (check, compile, fmt, decompile).
NO_RUN_INTERRUPTED = {EXIT_INTERRUPTED: "interrupted (Ctrl-C)"}

# What a command says as it exits EXIT_INTERRUPTED (run_guarded, and cli.py's
# group for Ctrl-C inside a command).
INTERRUPTED_LINE = "interrupted"


def cannot_write_stdout(error: OSError) -> str:
    """Why a command's output could not be written (a full disk, a closed
    file): a usage problem (EXIT_USAGE) a person can act on, not a bug."""
    return f"cannot write the output: {error.strerror or error}"


def run_guarded(command: Callable[[], object]) -> None:
    """Run a whole `maestro` invocation with the last line of defence both
    entries share (entry.start, the click CLI's cli.run): no traceback
    reaches the user unless MAESTRO_DEBUG asks for it. Ctrl-C says so and
    exits EXIT_INTERRUPTED; any other exception is a bug (EXIT_INTERNAL)."""
    try:
        command()
    except KeyboardInterrupt:
        print(f"\n{INTERRUPTED_LINE}", file=sys.stderr)  # the newline closes the terminal's ^C
        sys.exit(EXIT_INTERRUPTED)
    except Exception as e:  # the last line of defence, not control flow
        if os.environ.get("MAESTRO_DEBUG"):
            raise
        print(f"internal error: {type(e).__name__}: {e}", file=sys.stderr)
        print("  hint: this is a bug in maestro-spec; rerun with MAESTRO_DEBUG=1 for the traceback and report it", file=sys.stderr)
        sys.exit(EXIT_INTERNAL)


def exit_codes_help(codes, meanings: dict[int, str] | None = None) -> str:
    """The "Exit codes:" epilog of a command that can return `codes`;
    `meanings` words a code for that command."""
    words = {**EXIT_MEANINGS, **(meanings or {})}
    rows = [f"  {code:<3} {words[code]}" for code in codes]
    return "\b\nExit codes:\n" + "\n".join(rows)


# What a command that runs specs can return (run, runs attach, watch).
RUN_EXIT_CODES = (EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE, EXIT_RUN_FAILED, EXIT_REQUIREMENTS_UNMET, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TERMINATED)

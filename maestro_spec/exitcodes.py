"""The exit codes of every `maestro` command, in one place (standard library only,
so the compiler, the runtime and the CLI can all import it)."""

EXIT_OK = 0
EXIT_SPEC_ERRORS = 1
EXIT_USAGE = 2
EXIT_RUN_FAILED = 3
EXIT_REQUIREMENTS_UNMET = 4
EXIT_INTERRUPTED = 130  # the shell's convention for a SIGINT
EXIT_TERMINATED = 143  # ... and for a SIGTERM (128 + 15)

EXIT_CODES_HELP = """\b
Exit codes:
  0  success (warnings allowed)
  1  the spec or body has errors
  2  usage error, or a file cannot be read
  3  the run failed, timed out, or the server could not be reached
  4  the run completed but a mandatory requirement was unmet
     or the score was below --min-score"""

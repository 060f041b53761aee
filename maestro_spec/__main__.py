"""`python -m maestro_spec`: the same as the `maestro` command."""

from .cli import run

run()

"""`python -m maestro_spec`: the same as the `maestro` command."""

from .entry import start

start()

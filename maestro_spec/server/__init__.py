"""A local, Maestro-compatible HTTP server with a deterministic simulation.

`maestro serve` runs it in the foreground; `embedded.LocalServer` runs it in a
background thread for `maestro run --local` and tests. Nothing here is on the
compiler's import path.

May import: compiler, transport, sanitize, exitcodes, maestro_spec (its __version__)
"""

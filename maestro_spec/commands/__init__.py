"""Click commands of each part, loaded lazily by maestro_spec.cli so that
`maestro compile` never pays for httpx, pydantic or a server.

Owns the command-line surface (options, --help, what each command prints and
the exit code it ends with); the work is in the parts below it.

May import: compiler, runtime, watch, server, lsp, transport, sanitize, varargs, exitcodes
"""

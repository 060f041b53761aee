"""The compiler: a .maestro spec or a JSON body in, diagnostics and a request body out.

Owns the API described once (limits, codes), the spec's AST, parsing,
checking (the language's rules, then rules.check_request, the one judge of a
request), emitting, fmt, decompile, credentials, the JSON Schema, and the
rendering of diagnostics. Nothing is imported here: each module loads on use.
Lark is the compile path's one third-party import; pydantic is imported only
by request_model.py, which only `maestro schema` loads; the runtime, the
server and the CLI are never imported, so `maestro compile`, `maestro check`
and the LSP pay for none of them.

May import: grammar, transport, sanitize, exitcodes
"""

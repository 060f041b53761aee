"""maestro-spec: author, check, compile and run AI21 Maestro requests.

The Python API (docs/python.md), in the style of `json`:

    import maestro_spec

    body = maestro_spec.load("lease.maestro", vars={"document": text})  # or loads(text)
    result = maestro_spec.run(body, local=True)                         # or await run_async(...)
    print(result.status, result.result)

An invalid spec raises maestro_spec.SpecError, carrying its diagnostics.
Every name loads its module on first use: `import maestro_spec` imports no
parser, HTTP client or server (tests/test_python_api.py checks it).

May import: nothing at module level (each name's module, api, api_run,
compiler or runtime, loads on first use; tests/test_import_graph.py checks the
parts below)
"""

from __future__ import annotations

import importlib
TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (5 ms)

__version__ = "0.1.0"

# name -> the module that defines it (relative to this package).
_EXPORTS = {
    "SpecError": ".api",
    "CompileResult": ".api",
    "compile": ".api",
    "load": ".api",
    "loads": ".api",
    "check": ".api",
    "format": ".api",
    "decompile": ".api",
    "schema": ".api",
    "RunResult": ".api_run",
    "run": ".api_run",
    "run_async": ".api_run",
    "Diagnostic": ".compiler.diagnostics",
    "RuntimeFailure": ".runtime.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ loads them
    from .api import CompileResult, SpecError, check, compile, decompile, format, load, loads, schema
    from .api_run import RunResult, run, run_async
    from .compiler.diagnostics import Diagnostic
    from .runtime.errors import RuntimeFailure


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

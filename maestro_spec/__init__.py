"""maestro-spec: author, check, compile and run AI21 Maestro requests."""

__version__ = "0.1.0"

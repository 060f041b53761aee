"""Click commands of each part, loaded lazily by maestro_spec.cli so that
`maestro compile` never pays for httpx, pydantic or a server."""

"""Every example's compiled JSON is accepted unchanged as the official SDK's
create() arguments, and the run it starts ends with what the spec asked for."""

from __future__ import annotations

import pytest

from maestro_spec.compiler.sources import compile_path
from maestro_spec.compiler.params import load_vars

from .conftest import EXAMPLES
from .test_golden import EXAMPLE_VARS

ai21 = pytest.importorskip("ai21", reason="the official SDK is in the dev extra")

# The SDK's sync client hands httpx raw bytes the deprecated way; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")


@pytest.fixture(scope="module")
def sdk_client():
    from maestro_spec.server.config import ServerConfig
    from maestro_spec.server.embedded import LocalServer

    with LocalServer(ServerConfig(run_seconds=0.05)) as server:
        yield ai21.AI21Client(api_key="test-key", api_host=server.base_url)


@pytest.mark.parametrize("spec", sorted(EXAMPLES.glob("*.maestro")), ids=lambda p: p.stem)
def test_compiled_example_runs_through_the_official_sdk(spec, sdk_client, in_repo):
    source = compile_path(f"examples/{spec.name}", load_vars(**EXAMPLE_VARS.get(spec.stem, {})), require_values=True)
    body = source.compiled.request
    run = sdk_client.beta.maestro.runs.create_and_poll(**body, poll_interval_sec=0.02, poll_timeout_sec=10)
    assert run.status == "completed"
    include = body.get("include", [])
    if "requirements_result" in include:
        scored = [r["name"] for r in run.requirements_result["requirements"]]
        assert scored == [r["name"] for r in body["requirements"]]
    else:
        assert run.requirements_result is None
    if "data_sources" in include:
        assert run.data_sources, "data sources were asked for and tools are on"
        user_tools = [t for t in body.get("tools", []) if t["type"] in ("http", "mcp")]
        calls = run.data_sources.get("tool_calls") or []
        assert [c["tool_type"] for c in calls] == [t["type"] for t in user_tools]
    if isinstance(body.get("output_type"), dict):
        import jsonschema

        jsonschema.validate(run.result, body["output_type"])

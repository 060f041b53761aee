"""Wire compatibility: the official ai21 SDK (4.3.0) against `maestro serve`.

The SDK is used exactly as an application would use it, pointed at the local
server with api_host; its own response model parses every response.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

ai21 = pytest.importorskip("ai21")

from ai21 import AI21Client, AsyncAI21Client  # noqa: E402
from ai21.errors import AI21APIError, TooManyRequestsError, Unauthorized, UnprocessableEntity  # noqa: E402
from ai21.models.maestro.run import RunResponse  # noqa: E402

from .test_server import CHAT, INVOICE, RUNS, ServeProcess, poll  # noqa: E402

# ai21 4.3.0 passes its JSON body to httpx as data=bytes, which httpx deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")

KEY = "test"
POLL = dict(poll_interval_sec=0.05, poll_timeout_sec=20)


@pytest.fixture(scope="module")
def server():
    # --require-key proves the SDK's Authorization header is what we expect.
    with ServeProcess("--run-seconds", "0.2", "--require-key", KEY) as s:
        s.client.headers["Authorization"] = f"Bearer {KEY}"
        yield s


@pytest.fixture(scope="module")
def client(server):
    return AI21Client(api_key=KEY, api_host=server.base_url)


def test_invoice_example_completes_with_both_requirements_scored(client):
    run = client.beta.maestro.runs.create_and_poll(
        input=INVOICE["input"],
        requirements=[
            {"name": "field presence validation", "description": "Ensure all required fields are extracted and not left empty"},
            {"name": "format consistency", "description": "Dates must follow YYYY-MM-DD and amounts should be in USD format."},
        ],
        include=["requirements_result"],
        **POLL,
    )
    assert isinstance(run, RunResponse)
    assert run.status == "completed"
    assert "local simulation" in run.result
    items = run.requirements_result["requirements"]
    assert [i["name"] for i in items] == ["field presence validation", "format consistency"]
    assert all(isinstance(i["score"], float) and i["reason"] for i in items)
    assert run.requirements_result["score"] == 1.0
    assert run.error is None


def test_chat_input_completes(client):
    run = client.beta.maestro.runs.create_and_poll(input=CHAT["input"], budget="low", **POLL)
    assert run.status == "completed"
    assert "What is the capital of France?" in run.result
    assert run.requirements_result is None and run.data_sources is None


def test_web_search_returns_data_sources(client):
    run = client.beta.maestro.runs.create_and_poll(
        input="What are the latest Python release notes about?",
        tools=[{"type": "web_search"}],
        tool_resources={"web_search": {"urls": ["https://docs.python.org"]}},
        include=["data_sources"],
        **POLL,
    )
    assert run.status == "completed"
    web = run.data_sources["web_search"]
    assert web and all(entry["url"].startswith("https://docs.python.org/") for entry in web)


def test_file_search_returns_data_sources(client):
    run = client.beta.maestro.runs.create_and_poll(
        input="Summarise our travel spend",
        tools=[{"type": "file_search"}],
        tool_resources={"file_search": {"file_ids": ["file-7f3c2a"]}},
        include=["data_sources"],
        **POLL,
    )
    assert run.data_sources["file_search"][0]["file_id"] == "file-7f3c2a"


def test_async_client_create_and_poll(server):
    async def go():
        client = AsyncAI21Client(api_key=KEY, api_host=server.base_url)
        return await client.beta.maestro.runs.create_and_poll(input="Say hello", **POLL)

    assert asyncio.run(go()).status == "completed"


def test_sdk_errors_map_from_our_status_codes(server, client):
    with pytest.raises(UnprocessableEntity) as e:
        client.beta.maestro.runs.create(input="x", budget="hihg")
    assert e.value.status_code == 422 and "E240" in str(e.value)
    # The SDK keeps the body as text; it is AI21's (FastAPI's) shape.
    (item,) = json.loads(e.value.details)["detail"]
    assert item["loc"] == ["body", "budget"] and item["type"] == "literal_error" and "hihg" in item["msg"]
    assert item["code"] == "E240" and item["hint"] == "did you mean 'high'?"
    with pytest.raises(AI21APIError) as e:
        client.beta.maestro.runs.retrieve("no-such-run")
    assert e.value.status_code == 404
    with pytest.raises(Unauthorized):
        AI21Client(api_key="wrong", api_host=server.base_url).beta.maestro.runs.retrieve("x")


def test_sdk_sees_429_as_too_many_requests():
    with ServeProcess("--rate-limit-rate", "1") as s:
        client = AI21Client(api_key=KEY, api_host=s.base_url)
        with pytest.raises(TooManyRequestsError):
            client.beta.maestro.runs.create(input="x")


def _every_kind_of_run(s: ServeProcess, bodies: list[dict]) -> list[dict]:
    out = []
    for body in bodies:
        r = s.client.post(RUNS, json=body)
        assert r.status_code == 200
        out.append(r.json())
        out.append(poll(s.client, r.json()["id"])[0])
    return out


BODIES = [
    INVOICE,
    CHAT,
    {"input": "q", "tools": [{"type": "web_search"}, {"type": "file_search"}], "include": ["data_sources"]},
    {"input": "q", "budget": "medium", "models": ["jamba-mini"], "response_language": "french"},
]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--unmet-rate", "0.5"], {"in_progress", "completed"}),
        (["--fail-rate", "0.5", "--requires-action-rate", "0.5", "--seed", "3"], {"in_progress", "failed", "requires_action"}),
    ],
)
def test_the_sdk_model_parses_every_response(args, expected):
    with ServeProcess("--run-seconds", "0.05", *args) as s:
        runs = _every_kind_of_run(s, BODIES * 2)
    statuses = set()
    for raw in runs:
        parsed = RunResponse.model_validate(raw)
        assert parsed.id == raw["id"] and parsed.status == raw["status"]
        statuses.add(parsed.status)
    assert statuses == expected


def test_sdk_honours_base_url_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("AI21_API_HOST", server.base_url)
    monkeypatch.setenv("AI21_API_KEY", KEY)
    run = AI21Client().beta.maestro.runs.create_and_poll(input="hi", **POLL)
    assert run.status == "completed"
    # and the raw wire agrees with what the SDK saw
    assert httpx.get(server.base_url + f"{RUNS}/{run.id}", headers={"Authorization": f"Bearer {KEY}"}, trust_env=False).json()["status"] == "completed"

"""What the docs state about the gateway's own answers and tools, checked against them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from gateway.sandbox.world import World, build_world
from tests.conftest import gateway_with, pytest_terminal_summary, sandboxes_of

REPO = Path(__file__).resolve().parents[1]


def _text(page: str) -> str:
    return (REPO / page).read_text(encoding="utf-8")


def _shape(value: Any) -> Any:
    """The keys of every object in `value`, nested; leaves as None."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    return None


async def test_the_readyz_example_has_the_shape_of_a_real_answer(world: World) -> None:
    (block,) = re.findall(
        r"```json\n(\{\"status\": \"unavailable\".*?)```", _text("docs/operations.md"), re.S
    )
    documented = json.loads(block)
    sandboxes = sandboxes_of(world)
    sandboxes.fullwhere.control.fail_next("list", 10, status=503)
    async with gateway_with(sandboxes) as gateway:
        response = await gateway.http.get("/readyz")
    answer = response.json()
    del answer["notice"]  # demo mode only; the example is a production answer
    assert response.status_code == 503
    assert _shape(documented) == _shape(answer)
    assert documented["upstreams"]["fullwhere"] == answer["upstreams"]["fullwhere"]


async def test_the_quoted_input_error_is_the_gateway_s(world: World) -> None:
    quoted = re.search(
        r"`(input\[3\]\.email: .*? is not an\s+email address)`", _text("docs/mutations.md")
    )
    assert quoted is not None
    people = [{"firstName": "Ada", "lastName": f"Moreau{n}"} for n in range(3)]
    people.append({"firstName": "Ada", "lastName": "Moreau", "email": "x"})
    mutation = (
        "mutation($p: [ImportCustomerInput!]!) { importCustomers(input: $p) { importedCount } }"
    )
    async with gateway_with(sandboxes_of(world)) as gateway:
        result = await gateway.post(mutation, {"p": people})
    assert result["errors"][0]["message"] == re.sub(r"\s+", " ", quoted[1])


def test_the_seed_line_development_md_quotes_is_the_one_printed() -> None:
    printed: list[str] = []

    class Reporter:
        def write_line(self, line: str) -> None:
            printed.append(line)

    class Option:
        randomly_seed = 12345

    class Config:
        option = Option()

    pytest_terminal_summary(Reporter(), Config())  # type: ignore[arg-type]
    (line,) = printed
    assert line.replace("12345", "N") in re.sub(r"\s+", " ", _text("docs/development.md"))


def test_the_readme_diagram_names_the_upstream_http_client() -> None:
    diagram = _text("README.md").split("## How it works", 1)[1].split("```")[1]
    assert "aiohttp" in diagram and "httpx" not in diagram
    assert "import aiohttp" in _text("gateway/upstream/session.py")


def test_the_readme_gives_the_demo_world_s_size() -> None:
    world = build_world()
    counts = f"{len(world.fullwhere_customers)} Fullwhere customers and"
    counts += f" {len(world.mews_customers)} Mews guests"
    assert counts in re.sub(r"\s+", " ", _text("README.md"))

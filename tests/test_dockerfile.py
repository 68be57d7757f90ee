"""The Dockerfile's promises, checked statically (no Docker engine runs in CI): a slim
Python 3.11+ base, dependencies in a layer before the source, GraphiQL baked in, a non-root
user, a HEALTHCHECK on /healthz without curl, and `gateway serve --host 0.0.0.0`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction in _instructions():
        if instruction[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def _index(stage: list[tuple[str, str]], keyword: str, pattern: str) -> int:
    for position, (kw, args) in enumerate(stage):
        if kw == keyword and re.search(pattern, args):
            return position
    pytest.fail(f"no {keyword} matching {pattern!r} in the stage")


def test_every_stage_uses_a_slim_python_3_11_or_newer_base() -> None:
    args = dict(arg.split("=", 1) for kw, arg in _instructions() if kw == "ARG" and "=" in arg)
    for stage in _stages():
        image = stage[0][1].split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        match = re.fullmatch(r"python:3\.(\d+)-slim(-\w+)?", image)
        assert match and int(match.group(1)) >= 11, image


def test_dependencies_are_installed_before_the_source_is_copied() -> None:
    build = next(s for s in _stages() if any("pyproject.toml" in a for _, a in s))
    pyproject = _index(build, "COPY", r"^pyproject\.toml\b")
    deps = _index(build, "RUN", r"pyproject\.toml.*pip install|pip install -r")
    source = _index(build, "COPY", r"^gateway\b")
    install = _index(build, "RUN", r"pip install --no-deps \.")
    assert pyproject < deps < source < install


def test_graphiql_assets_are_fetched_at_build_time() -> None:
    build = next(s for s in _stages() if any("pyproject.toml" in a for _, a in s))
    assert _index(build, "RUN", r"\bgateway fetch-graphiql\b") > _index(
        build, "RUN", r"pip install --no-deps \."
    )


def test_the_final_stage_runs_as_a_non_root_user() -> None:
    final = _stages()[-1]
    users = [args for kw, args in final if kw == "USER"]
    assert users, "no USER in the final stage"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert _index(final, "USER", r".") < _index(final, "CMD", r".")


def test_healthcheck_probes_healthz_with_python_not_curl() -> None:
    final = _stages()[-1]
    healthcheck = final[_index(final, "HEALTHCHECK", r"\bCMD\b")][1]
    command = json.loads(healthcheck.split("CMD", 1)[1].strip())
    assert command[:2] == ["python", "-c"]
    code = command[2]
    compile(code, "<healthcheck>", "exec")  # valid Python
    assert "urllib.request" in code
    assert "http://127.0.0.1:8000/healthz" in code
    assert "curl" not in healthcheck


def test_the_image_serves_on_all_interfaces_at_port_8000() -> None:
    final = _stages()[-1]
    cmd = json.loads(final[_index(final, "CMD", r".")][1])
    assert cmd == ["gateway", "serve", "--host", "0.0.0.0"]
    assert "8000" in final[_index(final, "EXPOSE", r".")][1].split()


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "**/node_modules", "tests"} <= ignored


def test_operations_names_the_image_s_base() -> None:
    (base,) = [args for kw, args in _instructions() if kw == "ARG" and "PYTHON_IMAGE=" in args]
    default = base.partition("=")[2]
    assert f"The image: `{default}` base" in (ROOT / "docs" / "operations.md").read_text()

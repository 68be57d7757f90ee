"""`gateway serve` as a user runs it: a real process on a free port, its banner, health
endpoints, demo marks and GraphiQL; configuration errors end it with one line and exit 2."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway import cli

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0
# Settings the developer's shell may hold; each test starts from none of them.
_OURS = (
    "FULLWHERE_",
    "MEWS_",
    "GATEWAY_",
    "CACHE_",
    "UPSTREAM_",
    "DEMO_",
    "MAX_",
    "IDEMPOTENCY_",
    "REQUEST_DEADLINE",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    env["PYTHONUNBUFFERED"] = "1"
    return {**env, **settings}


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "gateway", *args]


def _run(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """`gateway <args>` to its end, with `settings` in its environment."""
    return subprocess.run(
        _command(*args),
        cwd=ROOT,
        env=_env(**settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@dataclass
class Running:
    base: str
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")


@contextlib.contextmanager
def running(*args: str, env: dict[str, str] | None = None) -> Iterator[Running]:
    """`gateway serve --port <free> *args` until /healthz answers; ended after the block."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "output.txt"
        with output.open("wb") as sink:
            process = subprocess.Popen(
                _command("serve", "--port", str(port), *args),
                cwd=ROOT,
                env=env or _env(),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its workers go with it
            )
        server = Running(f"http://127.0.0.1:{port}", output)
        try:
            _wait_until_healthy(process, server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


def _wait_until_healthy(process: subprocess.Popen[bytes], server: Running) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gateway exited with {process.returncode}:\n{server.text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    pytest.fail(f"gateway did not answer /healthz within {START_TIMEOUT:g} s:\n{server.text()}")


def test_serve_without_credentials_runs_the_demo_and_says_so() -> None:
    with running() as server:
        banner = server.text()
        health = httpx.get(f"{server.base}/healthz", timeout=5)
        ready = httpx.get(f"{server.base}/readyz", timeout=5)
        page = httpx.get(f"{server.base}/graphql", headers={"accept": "text/html"}, timeout=5)
        answer = httpx.post(
            f"{server.base}/graphql",
            json={"query": "{ customers(first: 1) { edges { node { id } } } }"},
            timeout=5,
        )

    port = server.base.rsplit(":", 1)[1]
    assert "DEMO MODE" in banner
    assert "simulated" in banner
    assert f"http://localhost:{port}/graphql" in banner  # where GraphiQL is
    assert "X-API-KEY: demo-key" in banner and "demo-secret" in banner
    assert "ClientToken" in banner and "AccessToken" in banner
    assert f"curl -s http://localhost:{port}/graphql" in banner  # ready to paste
    assert "Traceback" not in banner

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["mode"] == "demo"
    assert "DEMO MODE" in body["notice"]
    assert body["upstreams"] == {"fullwhere": {"status": "ok"}, "mews": {"status": "ok"}}
    for response in (health, ready, page, answer):
        assert response.headers["x-gateway-mode"] == "demo"

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "graphiql" in page.text.lower()
    assert answer.status_code == 200
    assert answer.json()["data"]["customers"]["edges"][0]["node"]["id"]


def _shell_commands(text: str, program: str) -> list[str]:
    """The commands of `text` that start with `program`, continuation lines and quoted
    newlines included, as a shell reads them."""
    commands = []
    for start in (m.start() for m in re.finditer(rf"(?m)^\s*{program} ", text)):
        quoted, end = False, start
        while end < len(text) and not (text[end] == "\n" and not quoted and text[end - 1] != "\\"):
            quoted ^= text[end] == "'"
            end += 1
        commands.append(text[start:end].strip())
    return commands


def test_every_curl_the_demo_banner_shows_answers_as_pasted() -> None:
    with running() as server:
        commands = _shell_commands(server.text(), "curl")
        answers = [
            subprocess.run(
                ["sh", "-c", command], capture_output=True, text=True, timeout=30, check=True
            ).stdout
            for command in commands
        ]
    assert len(commands) == 3  # the Fullwhere sandbox, the Mews sandbox, the gateway
    fullwhere, mews, gateway = (json.loads(answer) for answer in answers)
    assert len(fullwhere["items"]) == 2
    assert len(mews["Customers"]) == 2
    assert len(gateway["data"]["customers"]["edges"]) == 2


def test_serve_with_two_workers_serves_too() -> None:
    with running("--workers", "2") as server:
        ready = httpx.get(f"{server.base}/readyz", timeout=5)
        answer = httpx.post(f"{server.base}/graphql", json={"query": "{ __typename }"}, timeout=5)
        banner = server.text()
    assert ready.status_code == 200
    assert answer.json() == {"data": {"__typename": "Query"}}
    assert "2 workers" in banner
    host = server.base.removeprefix("http://")
    assert f"Listening at: http://{host}, a SO_REUSEPORT socket in each worker (" in banner
    assert "Listening at:  (" not in banner
    # Their private Redis, and how to read the identity index it holds.
    assert re.search(r"`REDIS_URL=unix://\S+ gateway sync --status` reads its", banner)


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        ({"CACHE_TTL_SECONDS": "abc"}, "CACHE_TTL_SECONDS"),
        ({"FULLWHERE_API_KEY": "k", "FULLWHERE_API_SECRET": "s"}, "MEWS_CLIENT_TOKEN"),
        ({"MEWS_BASE_URL": "mews.example.com"}, "MEWS_BASE_URL"),
        ({"GATEWAY_LOG_LEVEL": "loud"}, "GATEWAY_LOG_LEVEL"),
        (
            {
                "FULLWHERE_DISABLED": "true",
                "MEWS_CLIENT_TOKEN": "c",
                "MEWS_ACCESS_TOKENS": "paris=token-one,paris=token-two",
            },
            "MEWS_ACCESS_TOKENS",
        ),
    ],
)
def test_a_bad_setting_exits_2_with_one_line_naming_it(
    settings: dict[str, str], variable: str
) -> None:
    done = _run("serve", "--port", str(_free_port()), **settings)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert variable in lines[0]
    assert "expected" in lines[0]
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_taken_port_ends_serve_with_one_line_before_any_banner(workers: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _run("serve", "--port", str(port), "--workers", workers)
    assert done.returncode == 3
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in lines[0]
    assert "--port" in lines[0]


@pytest.mark.parametrize("args", [["--workers", "0"], ["--port", "http"], ["--port", "70000"]])
def test_bad_serve_options_exit_2(args: list[str]) -> None:
    done = _run("serve", *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert args[0] in done.stderr


def test_a_worker_app_freezes_what_startup_built_and_takes_its_young_gc_threshold() -> None:
    """What `app_factory` (every worker's entry point) leaves the garbage collector with."""
    probe = (
        "import gc; from gateway.cli import app_factory; "
        "before = gc.get_threshold()[0]; app_factory(); "
        "print(before, gc.get_threshold()[0], gc.get_freeze_count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=_env(GATEWAY_DEMO="true", GATEWAY_GC_YOUNG_THRESHOLD="12345"),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    before, after, frozen = map(int, done.stdout.split())
    assert before != 12345 and after == 12345  # GATEWAY_GC_YOUNG_THRESHOLD
    assert frozen > 10_000  # the modules and the schema, out of every later collection


def test_every_option_the_command_line_docs_name_is_taken() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    block = text.split("## Command line", 1)[1].split("```", 2)[1]
    root = cli.parser()
    (commands,) = [a for a in root._actions if isinstance(a, argparse._SubParsersAction)]
    documented = [line.split("#")[0] for line in block.splitlines() if line.startswith("gateway ")]
    assert len(documented) >= 6
    for line in documented:
        name = line.split()[1]
        taken = root if name.startswith("--") else commands.choices[name]
        options = {option for action in taken._actions for option in action.option_strings}
        assert set(re.findall(r"--[a-z-]+", line)) <= options, line

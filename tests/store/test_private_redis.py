"""`gateway serve --workers N` without REDIS_URL never keeps per-worker state by accident: it
starts a private redis-server for its workers (and says so), or refuses in one line."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.test_workers import _OURS, ROOT, STOP_TIMEOUT, _alive, _descendants, _free_port, serving

IMPORT = """mutation($key: String) { importCustomer(input: {email: "w@example.com"},
  idempotencyKey: $key) { replayed customer { id } } }"""


def _post(port: int, query: str, variables: dict[str, object]) -> dict[str, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # a new one each
    try:
        body = json.dumps({"query": query, "variables": variables})
        connection.request("POST", "/graphql", body, {"content-type": "application/json"})
        result: dict[str, object] = json.loads(connection.getresponse().read())
        return result
    finally:
        connection.close()


def _redis_servers(pid: int) -> list[int]:
    """Descendants of `pid` running redis-server (which rewrites its command line)."""
    found = []
    for child in _descendants(pid):
        program = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").split()[0]
        if program.endswith(b"redis-server"):
            found.append(child)
    return found


def test_workers_without_redis_url_share_a_private_redis_server() -> None:
    with serving(2) as served:
        (redis_pid,) = _redis_servers(served.process.pid)
        answers = [_post(served.port, IMPORT, {"key": "same"}) for _ in range(12)]
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        connection.request("GET", "/readyz")
        ready = json.loads(connection.getresponse().read())
        connection.close()
        served.process.send_signal(signal.SIGTERM)
        served.process.wait(timeout=STOP_TIMEOUT)
        text = served.text()

    assert "the 2 workers share a private redis-server" in text
    payloads = [answer["data"]["importCustomer"] for answer in answers]  # type: ignore[index]
    # One write, whichever worker each new connection reached; the others replay it.
    assert len({p["customer"]["id"] for p in payloads}) == 1
    assert sorted(p["replayed"] for p in payloads) == [False] + [True] * 11
    assert ready["shared"]["redis"]["status"] == "ok"
    deadline = time.monotonic() + 5
    while _alive(redis_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(redis_pid)


def test_workers_without_redis_url_or_redis_server_refuse_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith((*_OURS, "REDIS_"))}
    env["PATH"] = str(tmp_path)  # no redis-server on it
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--port", str(_free_port()), "--workers", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    errors = [line for line in done.stderr.splitlines() if line.startswith("gateway:")]
    assert done.returncode == 2
    assert len(errors) == 1 and "REDIS_URL" in errors[0], done.stderr
    assert "Traceback" not in done.stderr

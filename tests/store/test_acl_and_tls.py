"""Redis with an ACL user and over TLS, as docs/scaling.md says to set them up: a real
`redis-server` each, the gateway on top, and every kind of state exercised."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from tests.conftest import Gateway, gateway_with
from tests.support.redis_server import RedisServer
from tests.support.tls import TlsFiles, make_tls_files

DOCS = Path(__file__).parents[2] / "docs" / "scaling.md"
READ = "query($id: ID!) { customer(id: $id) { id mews { notes } } }"
SEARCH = "query($name: String) { searchCustomers(name: $name) { customer { id } } }"
IMPORT = """mutation($input: ImportCustomerInput!, $key: String) {
  importCustomer(input: $input, idempotencyKey: $key) { replayed customer { id } } }"""


def documented_acl_line() -> list[str]:
    """The `ACL SETUSER` line of docs/scaling.md, as words."""
    found = re.search(r"^ACL SETUSER gateway .*$", DOCS.read_text(), re.MULTILINE)
    assert found is not None, "docs/scaling.md gives no ACL SETUSER line"
    return found.group(0).split()


async def _everything(gateway: Gateway, world: World) -> None:
    """Reads, a link, a Mews call through the shared window, a keyed write and its repeat,
    a sync run (index, lock, state) and the readiness probe."""
    record, guest = next((fw, g) for fw, g in linked_pairs(world) if fw.get("mewsId"))
    assert (await gateway.data(READ, {"id": f"fullwhere:{record['id']}"}))["customer"]
    assert (await gateway.data(READ, {"id": f"mews:{guest['Id']}"}))["customer"]
    await gateway.data(SEARCH, {"name": "nobody"})
    variables = {"input": {"email": "acl@example.com"}, "key": "acl"}
    first = (await gateway.data(IMPORT, variables))["importCustomer"]
    again = (await gateway.data(IMPORT, variables))["importCustomer"]
    assert again == {**first, "replayed": True}
    state = await gateway.app.state.sync.run_once()
    assert state is not None and state.complete
    report = (await gateway.http.get("/readyz")).json()
    assert report["status"] == "ready", report
    assert report["shared"]["redis"] == {"status": "ok"}


async def test_the_documented_acl_grants_all_the_gateway_needs(
    sandboxes: Sandboxes,
    world: World,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    words = documented_acl_line()
    assert "~cgw:*" in words
    password = next(w for w in words if w.startswith(">"))
    assert redis_server.command(*[w.replace(password, ">acl-pw") for w in words]) == b"+OK"
    url = f"redis://gateway:acl-pw@127.0.0.1:{redis_server.port}/0"
    with caplog.at_level(logging.WARNING, logger="gateway.store"):
        async with gateway_with(sandboxes, {"REDIS_URL": url, "REDIS_TIMEOUT_SECONDS": "5"}) as gw:
            await _everything(gw, world)
    assert [r.getMessage() for r in caplog.records if r.name == "gateway.store"] == []
    # Nothing it wrote lies outside the pattern.
    assert redis_server.command("EXISTS", "cgw:id:state:v2") == b":1"
    assert redis_server.command("SCAN", "0", "MATCH", "[^c]*", "COUNT", "100000") == b"*2"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_redis(tmp_path: Path, tls_files: TlsFiles) -> Iterator[RedisServer]:
    with RedisServer(tmp_path, tls=tls_files) as server:
        yield server


def _tls_url(server: RedisServer, **options: str) -> str:
    query = f"?{urlencode(options)}" if options else ""
    return f"rediss://127.0.0.1:{server.tls_port}/0{query}"


async def test_the_documented_tls_options_reach_a_tls_redis_with_a_client_certificate(
    sandboxes: Sandboxes, world: World, tls_redis: RedisServer, tls_files: TlsFiles
) -> None:
    url = _tls_url(
        tls_redis,
        ssl_ca_certs=str(tls_files.ca),
        ssl_certfile=str(tls_files.client_cert),
        ssl_keyfile=str(tls_files.client_key),
    )
    for option in ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile"):
        assert option in DOCS.read_text()
    async with gateway_with(sandboxes, {"REDIS_URL": url, "REDIS_TIMEOUT_SECONDS": "5"}) as gw:
        await _everything(gw, world)
    assert tls_redis.command("EXISTS", "cgw:id:state:v2") == b":1"


async def test_a_tls_redis_without_its_ca_is_named_a_tls_problem(
    sandboxes: Sandboxes, tls_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = _tls_url(tls_redis)  # the system's CAs: the test CA is not among them
    with caplog.at_level(logging.WARNING, logger="gateway.store"):
        async with gateway_with(sandboxes, {"REDIS_URL": url, "REDIS_TIMEOUT_SECONDS": "5"}) as gw:
            report = (await gw.http.get("/readyz")).json()
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.store"]
    assert len(lines) == 1 and "Redis failed (tls:" in lines[0] and "ssl_ca_certs" in lines[0]
    assert report["shared"]["redis"]["cause"] == "tls"

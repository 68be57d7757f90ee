"""No gateway response and no log line holds a configured credential.

Every test runs inside the credential scan (`credential_scan` in tests/conftest.py, built on
tests/support/credential_scan.py), which fails the test that leaked. These tests prove that
the scan catches a leak, and that it is wired to every test.
"""

from __future__ import annotations

import logging
import textwrap

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway.config import load_settings
from gateway.upstream.mews import DEMO_CLIENT_TOKEN
from tests.conftest import Gateway
from tests.support.credential_scan import DEMO_SECRETS, CredentialScan, LogRecorder

pytest_plugins = ["pytester"]

LEAKY_KEY = "leaky-client-api-key"


def leaky_app() -> Starlette:
    """An app that answers with the credential it was configured with: what the scan exists
    to catch in the real gateway."""
    app = Starlette(routes=[Route("/", lambda _: PlainTextResponse(f"key={LEAKY_KEY}"))])
    app.state.settings = load_settings({"GATEWAY_API_KEYS": LEAKY_KEY}, demo=True)
    return app


async def get(app: Starlette, path: str) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://leaky.test") as http:
        await http.get(path)


def test_the_scan_catches_a_credential_in_a_response_or_a_log_line() -> None:
    scan = CredentialScan()
    scan.check_response("POST /graphql", b'{"errors": [{"message": "bad demo-secret"}]}')
    record = logging.LogRecord(
        "t", logging.ERROR, __file__, 1, "token %s", (DEMO_CLIENT_TOKEN,), None
    )
    LogRecorder(scan).emit(record)
    assert scan.leaks == [
        "response to POST /graphql: demo…",
        f"log record of t: {DEMO_CLIENT_TOKEN[:4]}…",
    ]


async def test_every_test_scans_the_gateway_responses_it_causes(
    gateway: Gateway, credential_scan: CredentialScan
) -> None:
    await gateway.data("{ customers(first: 1) { totalCount } }")
    assert credential_scan.responses == 1
    assert credential_scan.known() >= DEMO_SECRETS
    assert credential_scan.leaks == []


async def test_a_credential_in_a_response_is_caught_during_the_test(
    credential_scan: CredentialScan,
) -> None:
    await get(leaky_app(), "/")
    assert LEAKY_KEY in credential_scan.secrets
    assert credential_scan.leaks == [f"response to GET /: {LEAKY_KEY[:4]}…"]
    credential_scan.leaks.clear()  # caught on purpose: this test must not fail for it


def test_a_test_that_leaks_fails_and_the_others_pass(
    pytester: pytest.Pytester, credential_scan: CredentialScan
) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest("from tests.conftest import credential_scan  # noqa: F401")
    pytester.makepyfile(
        textwrap.dedent(
            """
            import asyncio

            from tests.security.test_no_credentials import get, leaky_app

            def test_leaks():
                asyncio.run(get(leaky_app(), "/"))

            def test_clean():
                leaky_app()  # configured with the credential, never answering
            """
        )
    )
    result = pytester.runpytest_inprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaks*", "*a credential leaked*"])
    # The inner run's leak was also seen by this test's own scan, on purpose.
    credential_scan.leaks.clear()

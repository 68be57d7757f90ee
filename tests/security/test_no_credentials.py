"""After the whole suite: no gateway response and no log line held a configured credential.

The recording is `credential_scan` in tests/conftest.py (every gateway app's responses, in
process or on a loopback port, and every log record); this test runs last (marker `last`).
"""

from __future__ import annotations

import logging

import pytest

from gateway.config import DEMO_MEWS_ACCESS_TOKEN, DEMO_MEWS_CLIENT_TOKEN
from tests.conftest import CredentialScan, _LogRecorder
from tests.security.test_auth import API_KEYS

# Below these the scan has not seen the suite (a file run on its own): that proves nothing.
MIN_TESTS = 150
MIN_RESPONSES = 300
MIN_LOG_RECORDS = 20


@pytest.mark.last
def test_no_response_or_log_line_of_the_suite_holds_a_credential(
    credential_scan: CredentialScan, request: pytest.FixtureRequest
) -> None:
    if len(request.session.items) < MIN_TESTS:
        pytest.skip("meaningful only after the whole suite: run `pytest` without a selection")
    scan = credential_scan
    assert {"demo-secret", DEMO_MEWS_CLIENT_TOKEN, DEMO_MEWS_ACCESS_TOKEN} <= scan.secrets
    assert set(API_KEYS) <= scan.secrets, "the API keys of the auth tests were not learned"
    assert scan.responses >= MIN_RESPONSES, f"only {scan.responses} responses were scanned"
    assert scan.log_records >= MIN_LOG_RECORDS, f"only {scan.log_records} log records"
    assert scan.leaks == []


def test_the_scan_catches_a_credential_in_a_response_or_a_log_line() -> None:
    scan = CredentialScan()
    scan.check_response("POST /graphql", b'{"errors": [{"message": "bad demo-secret"}]}')
    record = logging.LogRecord(
        "t", logging.ERROR, __file__, 1, "token %s", (DEMO_MEWS_CLIENT_TOKEN,), None
    )
    _LogRecorder(scan).emit(record)
    assert scan.leaks == [
        "response to POST /graphql: demo…",
        f"log record of t: {DEMO_MEWS_CLIENT_TOKEN[:4]}…",
    ]

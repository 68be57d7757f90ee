"""The failure-behaviour settings: read from the environment, turned into per-upstream guards."""

from __future__ import annotations

import pytest

from gateway.app import build_guard
from gateway.config import ConfigError, Resilience, load_settings


def test_defaults() -> None:
    settings = load_settings({}, demo=True)
    assert settings.resilience == Resilience()
    mews = build_guard("mews", settings)
    fullwhere = build_guard("fullwhere", settings)
    assert mews.retry.retries == fullwhere.retry.retries == 2
    assert mews.limiter is not None and (mews.limiter.limit, mews.limiter.window) == (200, 30.0)
    assert fullwhere.limiter is None  # Fullwhere documents no rate limit
    assert mews.breaker is not None and mews.breaker is not fullwhere.breaker
    assert mews.timeout is not None and (mews.timeout.connect, mews.timeout.read) == (3.0, 10.0)


def test_every_knob_is_read_from_its_variable() -> None:
    settings = load_settings(
        {
            "REQUEST_DEADLINE_SECONDS": "7.5",
            "UPSTREAM_READ_TIMEOUT_SECONDS": "4",
            "MEWS_TIMEOUT_SECONDS": "25",
            "UPSTREAM_RETRIES": "4",
            "UPSTREAM_BACKOFF_BASE_SECONDS": "0.5",
            "UPSTREAM_BACKOFF_CAP_SECONDS": "8",
            "UPSTREAM_BREAKER_THRESHOLD": "9",
            "UPSTREAM_BREAKER_COOLDOWN_SECONDS": "45",
            "MEWS_RATE_LIMIT": "150",
            "MEWS_RATE_WINDOW_SECONDS": "20",
            "CACHE_STALE_GRACE_SECONDS": "600",
        },
        demo=True,
    )
    assert settings.resilience == Resilience(
        request_deadline=7.5,
        mews_timeout=25.0,
        retries=4,
        backoff_base=0.5,
        backoff_cap=8.0,
        breaker_threshold=9,
        breaker_cooldown=45.0,
        mews_rate_limit=150,
        mews_rate_window=20.0,
        stale_grace=600.0,
    )
    mews, fullwhere = build_guard("mews", settings), build_guard("fullwhere", settings)
    assert mews.timeout is not None and mews.timeout.read == 25.0
    assert fullwhere.timeout is not None and fullwhere.timeout.read == 4.0
    assert (mews.retry.backoff.base, mews.retry.backoff.cap) == (0.5, 8.0)
    assert mews.breaker is not None and mews.breaker.threshold == 9


def test_zero_turns_the_breaker_and_the_limiter_off() -> None:
    settings = load_settings({"UPSTREAM_BREAKER_THRESHOLD": "0", "MEWS_RATE_LIMIT": "0"}, demo=True)
    guard = build_guard("mews", settings)
    assert guard.breaker is None and guard.limiter is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REQUEST_DEADLINE_SECONDS", "-1"),
        ("UPSTREAM_RETRIES", "two"),
        ("MEWS_TIMEOUT_SECONDS", "0"),
        ("MEWS_RATE_WINDOW_SECONDS", "0"),
        ("CACHE_STALE_GRACE_SECONDS", "soon"),
    ],
)
def test_bad_values_name_their_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value}, demo=True)
    assert caught.value.variable == variable

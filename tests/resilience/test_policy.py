"""The pure pieces of `gateway.upstream.resilience`: backoff, retry classification, the
circuit breaker's states and the sliding-window limiter, on a fake clock."""

from __future__ import annotations

import random

import pytest

from gateway.upstream.errors import (
    UpstreamBadRequest,
    UpstreamInvalidResponse,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from gateway.upstream.resilience import (
    Backoff,
    CircuitBreaker,
    Deadline,
    RetryPolicy,
    SlidingWindowLimiter,
    UpstreamCircuitOpen,
    current_deadline,
    deadline_scope,
    is_upstream_failure,
    is_upstream_fault,
)
from tests.resilience.conftest import FakeClock

# -- backoff -----------------------------------------------------------------------------------


def test_backoff_ceiling_doubles_up_to_the_cap() -> None:
    backoff = Backoff(base=0.1, cap=0.5)
    assert [backoff.ceiling(n) for n in range(5)] == [0.1, 0.2, 0.4, 0.5, 0.5]


def test_backoff_has_full_jitter_below_the_ceiling() -> None:
    backoff = Backoff(base=0.1, cap=0.5)
    rng = random.Random(7)
    delays = [backoff.delay(3, rng.random) for _ in range(200)]
    assert all(0 <= d <= 0.5 for d in delays)
    assert len(set(delays)) == len(delays)  # jittered: no fixed pause
    assert min(delays) < 0.1 and max(delays) > 0.4


def test_retry_after_wins_over_backoff() -> None:
    policy = RetryPolicy(retries=2, backoff=Backoff(base=1.0, cap=8.0))
    limited = UpstreamRateLimited("mews", "slow down", retry_after=0.2)
    assert policy.delay(limited, 0, lambda: 1.0) == 0.2
    unavailable = UpstreamUnavailable("mews", "503", status=503, retry_after=3.0)
    assert policy.delay(unavailable, 1, lambda: 1.0) == 3.0
    assert policy.delay(UpstreamRateLimited("mews", "slow down"), 2, lambda: 1.0) == 4.0


# -- classification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "read", "write"),
    [
        (UpstreamUnavailable("mews", "503", status=503), True, False),
        (UpstreamUnavailable("mews", "refused", sent=False), True, True),
        (UpstreamTimeout("mews", "no answer", sent=True), True, False),
        (UpstreamTimeout("mews", "connect", sent=False), True, True),
        (UpstreamTimeout("mews", "too heavy", status=408), True, False),
        (UpstreamRateLimited("mews", "429", retry_after=1.0), True, True),
        (UpstreamBadRequest("mews", "bad", status=400), False, False),
        (UpstreamNotFound("fullwhere", "nope", status=404), False, False),
        (UpstreamInvalidResponse("mews", "not JSON"), False, False),
        (UpstreamCircuitOpen("mews", reopens_in=3.0), False, False),
    ],
)
def test_what_is_retried(error: Exception, read: bool, write: bool) -> None:
    policy = RetryPolicy()
    assert policy.retryable(error, write=False) is read  # type: ignore[arg-type]
    assert policy.retryable(error, write=True) is write  # type: ignore[arg-type]


def test_what_the_breaker_counts() -> None:
    assert is_upstream_fault(UpstreamUnavailable("mews", "503", status=503))
    assert is_upstream_fault(UpstreamUnavailable("mews", "refused", sent=False))
    assert is_upstream_fault(UpstreamTimeout("mews", "no answer"))
    assert not is_upstream_fault(UpstreamTimeout("mews", "too heavy", status=408))
    assert not is_upstream_fault(UpstreamRateLimited("mews", "429"))
    assert not is_upstream_fault(UpstreamBadRequest("mews", "bad", status=400))
    assert not is_upstream_fault(UpstreamCircuitOpen("mews", reopens_in=1.0))


def test_what_may_be_answered_stale() -> None:
    assert is_upstream_failure(UpstreamUnavailable("mews", "503", status=503))
    assert is_upstream_failure(UpstreamTimeout("mews", "no answer"))
    assert is_upstream_failure(UpstreamRateLimited("mews", "429"))
    assert is_upstream_failure(UpstreamInvalidResponse("mews", "not JSON"))
    assert not is_upstream_failure(UpstreamBadRequest("mews", "bad", status=400))
    assert not is_upstream_failure(UpstreamNotFound("mews", "nope", status=404))
    assert not is_upstream_failure(RuntimeError("bug"))


def test_circuit_open_error_says_nothing_was_sent() -> None:
    error = UpstreamCircuitOpen("mews", reopens_in=12.34)
    assert error.code == "UPSTREAM_UNAVAILABLE"
    assert error.sent is False and error.not_applied
    assert error.retry_after == 12.3
    assert "Mews is failing" in error.message


# -- circuit breaker ---------------------------------------------------------------------------


def state_of(breaker: CircuitBreaker) -> str:
    return breaker.state  # a plain str: the state changes between asserts


def test_breaker_opens_after_threshold_consecutive_failures() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=3, cooldown=10.0, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # resets the run
    breaker.record_failure()
    breaker.record_failure()
    assert state_of(breaker) == "closed" and breaker.allow()
    breaker.record_failure()
    assert state_of(breaker) == "open"
    assert not breaker.allow()
    assert breaker.reopens_in() == 10.0


def test_breaker_half_open_lets_one_probe_through_and_success_closes() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=10.0, clock=clock)
    breaker.record_failure()
    clock.advance(9.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert state_of(breaker) == "half-open"
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # everyone else waits for its outcome
    breaker.record_success()
    assert state_of(breaker) == "closed" and breaker.allow()


def test_a_failed_probe_reopens_for_a_full_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=2, cooldown=5.0, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.advance(5.0)
    assert breaker.allow()
    breaker.record_failure()
    assert state_of(breaker) == "open" and breaker.reopens_in() == 5.0
    assert not breaker.allow()


def test_a_probe_that_tells_nothing_hands_its_slot_on() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=1, cooldown=5.0, clock=clock)
    breaker.record_failure()
    clock.advance(5.0)
    assert breaker.allow()
    breaker.record_neutral()  # e.g. cancelled
    assert breaker.allow()  # the next caller probes


# -- sliding-window limiter --------------------------------------------------------------------


def test_limiter_spreads_a_burst_over_the_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=3, window=30.0, clock=clock)
    waits = [limiter.reserve() for _ in range(7)]
    # Three go now, the next three when the first three leave the window, then the seventh.
    assert waits == [0.0, 0.0, 0.0, 30.0, 30.0, 30.0, 60.0]


def test_limiter_window_slides_from_each_call() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=2, window=30.0, clock=clock)
    assert limiter.reserve() == 0.0
    clock.advance(12.0)
    assert limiter.reserve() == 0.0
    clock.advance(6.0)
    # Not a fixed bucket: the third may go once the first call is 30 s old, 12 s from now.
    assert limiter.reserve() == 12.0


def test_limiter_refuses_a_wait_that_reaches_max_wait_and_takes_nothing() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=1, window=30.0, clock=clock)
    assert limiter.reserve() == 0.0
    assert limiter.reserve(max_wait=5.0) is None
    assert limiter.next_wait() == 30.0  # nothing was reserved by the refusal
    assert limiter.reserve(max_wait=31.0) == 30.0


def test_limiter_pause_holds_every_call_back() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=100, window=30.0, clock=clock)
    limiter.pause(2.5)
    assert limiter.reserve() == 2.5
    assert limiter.reserve() == 2.5
    clock.advance(2.5)
    assert limiter.reserve() == 0.0


# -- deadline ----------------------------------------------------------------------------------


def test_deadline_scope_sets_and_restores_the_current_deadline() -> None:
    clock = FakeClock()
    deadline = Deadline.after(3.0, clock=clock)
    assert current_deadline() is None
    with deadline_scope(deadline):
        assert current_deadline() is deadline
        clock.advance(1.0)
        assert deadline.remaining() == 2.0
    assert current_deadline() is None

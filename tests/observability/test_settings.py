"""The telemetry settings: metrics on by default, the log format, and tracing on exactly when
OpenTelemetry's variables name an OTLP endpoint (and do not switch the SDK off)."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, Telemetry, load_settings
from gateway.logs import secrets_of


def test_defaults_are_metrics_on_text_logs_and_no_tracing() -> None:
    assert load_settings({}).telemetry == Telemetry()
    assert Telemetry() == Telemetry(True, None, "text", None)


@pytest.mark.parametrize(
    ("env", "endpoint"),
    [
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
            "http://collector:4318/v1/traces",
        ),
        (
            {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://otel.example.com/traces"},
            "https://otel.example.com/traces",
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4318/v1/traces",
            },
            "http://traces:4318/v1/traces",
        ),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, None),
        ({"OTEL_SERVICE_NAME": "gateway"}, None),
    ],
)
def test_tracing_follows_the_standard_variables(env: dict[str, str], endpoint: str | None) -> None:
    assert load_settings(env).telemetry.traces_endpoint == endpoint


def test_json_format_metrics_off_and_a_token_are_read() -> None:
    telemetry = load_settings(
        {"GATEWAY_LOG_FORMAT": "JSON", "GATEWAY_METRICS": "off", "GATEWAY_METRICS_TOKEN": "t0ken"}
    ).telemetry
    assert (telemetry.log_format, telemetry.metrics, telemetry.metrics_token) == (
        "json",
        False,
        "t0ken",
    )
    assert "t0ken" not in repr(telemetry)


def test_the_metrics_token_is_redacted_from_logs_like_every_credential() -> None:
    settings = load_settings({"GATEWAY_METRICS_TOKEN": "scrape-token-42"})
    assert "scrape-token-42" in secrets_of(settings)


def test_a_malformed_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"GATEWAY_METRICS_TOKEN": "se cret"})
    assert caught.value.variable == "GATEWAY_METRICS_TOKEN"
    assert "se cret" not in str(caught.value)

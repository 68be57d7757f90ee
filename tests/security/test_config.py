"""Security settings: refusing to serve real credentials anonymously, JWTs, limits, CORS
origins."""

from __future__ import annotations

import pytest

from gateway.cli import banner, main
from gateway.config import ConfigError, load_settings

REAL = {
    "FULLWHERE_API_KEY": "fw-key-123456",
    "FULLWHERE_API_SECRET": "fw-secret-123456",
    "MEWS_CLIENT_TOKEN": "mews-client-123456",
    "MEWS_ACCESS_TOKEN": "mews-access-123456",
}


def test_real_credentials_without_api_keys_refuse_to_start() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(REAL)
    assert raised.value.variable == "GATEWAY_API_KEYS"
    assert "GATEWAY_ALLOW_ANONYMOUS=true" in str(raised.value)


def test_the_cli_exits_naming_gateway_api_keys(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("GATEWAY_API_KEYS", "GATEWAY_ALLOW_ANONYMOUS", "GATEWAY_DEMO"):
        monkeypatch.delenv(name, raising=False)
    for name, value in REAL.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "1"])
    assert exited.value.code == 2
    assert "GATEWAY_API_KEYS" in capsys.readouterr().err


def test_anonymous_real_mode_must_be_asked_for() -> None:
    settings = load_settings({**REAL, "GATEWAY_ALLOW_ANONYMOUS": "true"})
    assert not settings.demo and settings.api_keys == () and settings.allow_anonymous


def test_real_mode_with_keys_starts() -> None:
    settings = load_settings({**REAL, "GATEWAY_API_KEYS": "k-one-123456, k-two-123456,"})
    assert settings.api_keys == ("k-one-123456", "k-two-123456")


JWT = {
    "GATEWAY_JWKS_URL": "https://login.example.com/.well-known/jwks.json",
    "GATEWAY_JWT_ISSUER": "https://login.example.com/",
    "GATEWAY_JWT_AUDIENCE": "https://customers.example.com",
}


def test_real_mode_with_jwts_only_starts_and_says_so() -> None:
    settings = load_settings({**REAL, **JWT, "GATEWAY_JWT_LEEWAY_SECONDS": "5"})
    assert settings.api_keys == () and not settings.allow_anonymous
    assert settings.jwt is not None
    assert (settings.jwt.issuer, settings.jwt.audience) == (
        "https://login.example.com/",
        "https://customers.example.com",
    )
    assert settings.jwt.leeway == 5
    assert "Bearer <credential> (JWTs of https://login.example.com/)" in banner(
        settings, "0.0.0.0", 8000
    )


@pytest.mark.parametrize("missing", ["GATEWAY_JWT_ISSUER", "GATEWAY_JWT_AUDIENCE"])
def test_a_jwks_needs_an_issuer_and_an_audience(missing: str) -> None:
    env = {**REAL, **JWT}
    del env[missing]
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert raised.value.variable == missing


def test_demo_mode_without_keys_is_anonymous() -> None:
    settings = load_settings({})
    assert settings.demo and settings.api_keys == ()


def test_limits_have_defaults_that_allow_fifty_aliased_customers() -> None:
    settings = load_settings({})
    assert settings.max_query_depth == 12
    assert settings.max_aliases == 100 and settings.max_root_fields == 60
    assert settings.max_tokens == 5000
    assert settings.max_batch_items == 5000
    assert settings.max_body_bytes == 4 * 1024 * 1024
    assert settings.introspection is True
    assert settings.cors_origins == ()


def test_limits_come_from_the_environment() -> None:
    settings = load_settings(
        {
            "GATEWAY_MAX_QUERY_DEPTH": "8",
            "GATEWAY_MAX_ALIASES": "0",
            "GATEWAY_MAX_TOKENS": "900",
            "GATEWAY_MAX_ROOT_FIELDS": "5",
            "GATEWAY_MAX_BATCH_ITEMS": "100",
            "GATEWAY_MAX_BODY_BYTES": "65536",
            "GATEWAY_INTROSPECTION": "false",
        }
    )
    assert (settings.max_query_depth, settings.max_aliases, settings.max_tokens) == (8, 0, 900)
    assert (settings.max_root_fields, settings.max_batch_items) == (5, 100)
    assert settings.max_body_bytes == 65536
    assert settings.introspection is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GATEWAY_MAX_QUERY_DEPTH", "0"),
        ("GATEWAY_MAX_TOKENS", "many"),
        ("GATEWAY_MAX_BODY_BYTES", "-1"),
        ("GATEWAY_INTROSPECTION", "maybe"),
        ("GATEWAY_CORS_ORIGINS", "app.example.com"),
        ("GATEWAY_CORS_ORIGINS", "https://app.example.com/path"),
    ],
)
def test_malformed_security_settings_name_their_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({variable: value})
    assert raised.value.variable == variable


def test_cors_origins_are_normalized() -> None:
    settings = load_settings(
        {"GATEWAY_CORS_ORIGINS": "https://App.Example.com/, http://localhost:5173 ,"}
    )
    assert settings.cors_origins == ("https://app.example.com", "http://localhost:5173")

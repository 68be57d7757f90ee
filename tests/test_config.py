"""Configuration: every environment variable is validated at start-up, errors name the
variable and what it expects in one line, the one-upstream rule holds, and the settings table
drives the docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.config import (
    DEFAULT_CLIENT,
    VARIABLES,
    ConfigError,
    Settings,
    load_settings,
    markdown,
)
from gateway.upstream.mews import DEMO_ACCESS_TOKEN as DEMO_MEWS_ACCESS_TOKEN
from gateway.upstream.mews import DEMO_CLIENT_TOKEN as DEMO_MEWS_CLIENT_TOKEN

ROOT = Path(__file__).resolve().parents[1]
FULLWHERE = {"FULLWHERE_API_KEY": "fw-key", "FULLWHERE_API_SECRET": "fw-secret"}
MEWS = {"MEWS_CLIENT_TOKEN": "mews-client-token", "MEWS_ACCESS_TOKEN": "mews-access-token"}
OPEN = {"GATEWAY_ALLOW_ANONYMOUS": "true"}

# Demo mode's first sync starts at a moment relative to now: pinned, settings compare equal.
# JWT and Redis settings exist only with a JWKS and a Redis URL.
PINNED = {
    "SYNC_MEWS_SINCE": "2020-01-01",
    "GATEWAY_JWKS_URL": "https://login.example.com/jwks.json",
    "GATEWAY_JWT_ISSUER": "https://login.example.com/",
    "GATEWAY_JWT_AUDIENCE": "customer-gateway",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
NUMBERS = {v.name: v for v in VARIABLES if v.kind in ("integer", "number")}
NUMERIC = sorted(NUMBERS)

# Variables that are not numbers, with a value each must refuse.
NON_NUMERIC = {
    "FULLWHERE_API_KEY": None,  # free text; pairs are checked below
    "FULLWHERE_API_SECRET": None,
    "MEWS_CLIENT_TOKEN": None,
    "MEWS_ACCESS_TOKEN": None,
    "MEWS_CHAIN_IDS": "3fa85f64-5717-4562-b3fc,2c963f66afa6",
    "MEWS_ACCESS_TOKENS": "paris",
    "FULLWHERE_BASE_URL": "api.fullwhere.com",
    "MEWS_BASE_URL": "ftp://api.mews.com",
    "MEWS_CLIENT": "bad\x07name",
    "GATEWAY_API_KEYS": "good-key, has space",
    "GATEWAY_CORS_ORIGINS": "https://app.example.com/path",
    "FULLWHERE_DISABLED": "maybe",
    "MEWS_DISABLED": "maybe",
    "GATEWAY_DEMO": "maybe",
    "GATEWAY_ALLOW_ANONYMOUS": "maybe",
    "GATEWAY_INTROSPECTION": "maybe",
    "GATEWAY_FEDERATION": "maybe",
    "GATEWAY_JWKS_URL": "login.example.com/jwks.json",
    "GATEWAY_JWT_ISSUER": None,  # free text; required with the JWKS (tests/security)
    "GATEWAY_JWT_AUDIENCE": None,
    "GATEWAY_PERSISTED_DOCUMENTS": "/nonexistent/documents.json",
    "GATEWAY_REQUIRE_PERSISTED": "maybe",
    "SYNC_MEWS_SINCE": "yesterday",
    "REDIS_URL": "http://redis:6379",
    "GATEWAY_REDIS_PREFIX": "has space:",
    "UNIFIED_PRECEDENCE": "newest",
    "GATEWAY_METRICS": "maybe",
    "GATEWAY_METRICS_TOKEN": "has space",
    "GATEWAY_LOG_LEVEL": "loud",
    "GATEWAY_LOG_FORMAT": "xml",
    "PROMETHEUS_MULTIPROC_DIR": None,  # any directory; prometheus_client reads it
    "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://collector",
    "OTEL_SERVICE_NAME": None,  # OpenTelemetry's own
    "OTEL_SDK_DISABLED": "maybe",
    "OTEL_TRACES_EXPORTER": None,  # OpenTelemetry's own; only `none` matters here
    "MEWS_WEBHOOK_SECRET": "short",
}


def _plain(variable: str) -> str:
    """A value within `variable`'s bounds."""
    bounds = NUMBERS[variable]
    return "7" if bounds.maximum is None else f"{bounds.maximum:g}"


def _error(env: dict[str, str], *, demo: bool = False) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings(env, demo=demo)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{caught.value.variable}: expected ")
    return caught.value


def test_every_variable_of_the_table_is_covered_here() -> None:
    assert {"CACHE_TTL_SECONDS", "UPSTREAM_READ_TIMEOUT_SECONDS", "SYNC_MEWS_BUDGET"} <= set(
        NUMERIC
    )
    assert set(NON_NUMERIC) == {v.name for v in VARIABLES} - set(NUMERIC)
    assert len({v.name for v in VARIABLES}) == len(VARIABLES)


@pytest.mark.parametrize("variable", NUMERIC)
@pytest.mark.parametrize("raw", ["abc", "-1", "nan", "inf", "1e999", "12 s"])
def test_every_numeric_variable_refuses_what_is_not_a_fitting_number(
    variable: str, raw: str
) -> None:
    error = _error({variable: raw})
    assert error.variable == variable
    assert "number" in error.expected or "integer" in error.expected


@pytest.mark.parametrize("variable", [name for name in NUMERIC if NUMBERS[name].maximum])
def test_numeric_variables_refuse_what_is_above_their_maximum(variable: str) -> None:
    bounds = NUMBERS[variable]
    assert bounds.maximum is not None
    error = _error({variable: f"{bounds.maximum * 1.5:g}"})
    assert error.variable == variable
    assert f"to {bounds.maximum:g}" in error.expected


@pytest.mark.parametrize("variable", NUMERIC)
def test_every_numeric_variable_takes_a_plain_value(variable: str) -> None:
    load_settings({variable: _plain(variable)})


@pytest.mark.parametrize("variable", NUMERIC)
def test_every_numeric_variable_reaches_the_settings(variable: str) -> None:
    """Each row is read: a value other than its default changes the settings."""
    assert load_settings({**PINNED, variable: _plain(variable)}) != load_settings(PINNED)


@pytest.mark.parametrize(
    "variable", [name for name in NUMERIC if NUMBERS[name].default is not None]
)
def test_an_unset_numeric_variable_means_its_default(variable: str) -> None:
    default = NUMBERS[variable].default
    assert load_settings({**PINNED, variable: f"{default}"}) == load_settings(PINNED)


def test_the_configuration_doc_shows_the_table() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    found = re.search(r"<!-- settings:start -->\n(.*?)<!-- settings:end -->", doc, re.DOTALL)
    assert found, "docs/configuration.md lost its settings markers"
    assert found.group(1) == markdown(), (
        "docs/configuration.md differs from the settings table in gateway/config.py: "
        "put the output of `gateway settings --markdown` between its settings markers"
    )


def test_every_variable_is_documented_with_its_default_and_bounds() -> None:
    tables = markdown()
    for variable in VARIABLES:
        assert f"| `{variable.name}` | {variable.default_text} | {variable.accepts} |" in tables
    assert "| `CACHE_TTL_SECONDS` | `60` | number >= 0 |" in tables
    assert "| `SYNC_MEWS_BUDGET` | `0.25` | number, 0.01 to 1 |" in tables


@pytest.mark.parametrize("variable", sorted(v for v, bad in NON_NUMERIC.items() if bad))
def test_every_other_variable_refuses_a_malformed_value(variable: str) -> None:
    env = {**FULLWHERE, **MEWS, **OPEN, variable: NON_NUMERIC[variable] or ""}
    error = _error(env)
    assert error.variable == variable


def test_documented_values_are_read() -> None:
    settings = load_settings(
        {
            **FULLWHERE,
            **MEWS,
            "FULLWHERE_BASE_URL": "https://fw.example.com/",
            "MEWS_BASE_URL": "https://api.mews-demo.com",
            "MEWS_CLIENT": "Grand Hotel Gateway 2.1",
            "GATEWAY_API_KEYS": " key-one,key-two ,, ",
            "CACHE_TTL_SECONDS": "2.5",
        }
    )
    assert not settings.demo
    assert settings.fullwhere is not None and settings.mews is not None
    assert settings.fullwhere.base_url == "https://fw.example.com"
    assert (settings.fullwhere.api_key, settings.fullwhere.api_secret) == ("fw-key", "fw-secret")
    assert settings.mews.base_url == "https://api.mews-demo.com"
    assert settings.mews.client == "Grand Hotel Gateway 2.1"
    assert settings.api_keys == ("key-one", "key-two")
    assert settings.cache_ttl == 2.5


def test_defaults_follow_the_design() -> None:
    settings = load_settings({**FULLWHERE, **MEWS, **OPEN})
    assert settings.fullwhere is not None and settings.mews is not None
    assert settings.fullwhere.base_url == "https://api.fullwhere.com"
    assert settings.mews.base_url == "https://api.mews.com"
    assert settings.mews.client == DEFAULT_CLIENT
    assert settings.cache_ttl == 60
    assert settings.api_keys == ()


def test_integers_refuse_fractions() -> None:
    error = _error({"CACHE_MAX_ENTRIES": "1.5"})
    assert error.expected.startswith("an integer")


def test_no_credentials_at_all_means_the_embedded_demo() -> None:
    settings = load_settings({})
    assert settings.demo
    assert settings.fullwhere is not None and settings.mews is not None
    assert settings.fullwhere.api_key == "demo-key"
    assert settings.mews.client_token == DEMO_MEWS_CLIENT_TOKEN
    assert settings.mews.access_token == DEMO_MEWS_ACCESS_TOKEN


@pytest.mark.parametrize("raw", ["true", "1", "YES", "on"])
def test_gateway_demo_forces_demo_even_with_credentials(raw: str) -> None:
    assert load_settings({**FULLWHERE, **MEWS, "GATEWAY_DEMO": raw}).demo
    assert load_settings({**FULLWHERE, **MEWS}, demo=True).demo


@pytest.mark.parametrize("raw", ["false", "0", "no", "OFF", ""])
def test_flags_read_false_spellings(raw: str) -> None:
    assert not load_settings({**FULLWHERE, **MEWS, **OPEN, "GATEWAY_DEMO": raw}).demo


def test_fullwhere_credentials_alone_need_mews_disabled() -> None:
    error = _error({**FULLWHERE, **OPEN})
    assert error.variable == "MEWS_CLIENT_TOKEN"
    assert "MEWS_DISABLED" in error.expected

    settings = load_settings({**FULLWHERE, **OPEN, "MEWS_DISABLED": "true"})
    assert not settings.demo
    assert settings.fullwhere is not None
    assert settings.mews is None


def test_mews_credentials_alone_need_fullwhere_disabled() -> None:
    error = _error({**MEWS, **OPEN})
    assert error.variable == "FULLWHERE_API_KEY"
    assert "FULLWHERE_DISABLED" in error.expected

    settings = load_settings({**MEWS, **OPEN, "FULLWHERE_DISABLED": "true"})
    assert settings.fullwhere is None
    assert settings.mews is not None


def test_disabling_wins_over_credentials_of_the_same_upstream() -> None:
    settings = load_settings({**FULLWHERE, **MEWS, **OPEN, "MEWS_DISABLED": "1"})
    assert settings.mews is None


def test_both_upstreams_disabled_is_an_error() -> None:
    error = _error({"FULLWHERE_DISABLED": "true", "MEWS_DISABLED": "true"})
    assert error.variable == "MEWS_DISABLED"


def test_disabling_one_upstream_in_demo_switches_off_its_sandbox() -> None:
    settings = load_settings({"MEWS_DISABLED": "true"})
    assert settings.demo
    assert settings.fullwhere is not None
    assert settings.mews is None


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"FULLWHERE_API_KEY": "k"}, "FULLWHERE_API_SECRET"),
        ({"FULLWHERE_API_SECRET": "s"}, "FULLWHERE_API_KEY"),
        ({"MEWS_CLIENT_TOKEN": "c"}, "MEWS_ACCESS_TOKEN"),
        ({"MEWS_ACCESS_TOKEN": "a", **FULLWHERE}, "MEWS_CLIENT_TOKEN"),
    ],
)
def test_half_a_credential_pair_names_the_missing_half(env: dict[str, str], missing: str) -> None:
    assert _error({**env, **OPEN}).variable == missing


@pytest.mark.parametrize("url", ["not a url", "api.mews.com", "http://", "file:///etc/passwd"])
def test_base_urls_are_checked_in_every_mode(url: str) -> None:
    assert _error({"MEWS_BASE_URL": url}).variable == "MEWS_BASE_URL"  # demo
    assert _error({**FULLWHERE, **MEWS, **OPEN, "MEWS_BASE_URL": url}).variable == "MEWS_BASE_URL"


def test_errors_never_echo_secrets() -> None:
    error = _error({**FULLWHERE, **MEWS, **OPEN, "FULLWHERE_BASE_URL": "ftp://user:p4ssw0rd@x"})
    assert "p4ssw0rd" not in str(error)
    error = _error({"GATEWAY_API_KEYS": "fine-key,s3cret key"})
    assert "s3cret" not in str(error)
    assert "key #2" in str(error)


def test_settings_repr_hides_credentials() -> None:
    settings: Settings = load_settings({**FULLWHERE, **MEWS, "GATEWAY_API_KEYS": "client-key"})
    shown = repr(settings)
    for secret in ("fw-key", "fw-secret", "mews-client-token", "mews-access-token", "client-key"):
        assert secret not in shown


@pytest.mark.parametrize("raw", ["latest", "fullwhere", "MEWS", " mews "])
def test_unified_precedence_takes_each_order(raw: str) -> None:
    settings = load_settings({"UNIFIED_PRECEDENCE": raw})
    assert settings.unified_precedence.value == raw.strip().lower()
    assert load_settings({}).unified_precedence.value == "latest"


def test_gateway_settings_prints_the_tables_and_an_env_template(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["settings", "--markdown"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == markdown()

    with pytest.raises(SystemExit):
        main(["settings"])
    template = capsys.readouterr().out.splitlines()
    assert [line for line in template if not line.startswith("# ")] == []
    assert max(map(len, template)) <= 100
    assert not [line for line in template if "](" in line]  # no Markdown links
    assert "See Scaling, docs/scaling.md" in " ".join(line[2:] for line in template)
    assert [line[2:-1] for line in template if line.endswith("=")] == [v.name for v in VARIABLES]

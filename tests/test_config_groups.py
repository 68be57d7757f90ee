"""Hotel groups: `MEWS_CHAIN_IDS` makes `MEWS_ACCESS_TOKEN` a portfolio token and
`MEWS_ACCESS_TOKENS` names single-property tokens; every inconsistent combination is one
line naming the variable, and no token is ever repeated in it."""

from __future__ import annotations

import pytest

from gateway.config import ConfigError, load_settings
from gateway.logs import secrets_of

BASE = {
    "FULLWHERE_DISABLED": "true",
    "GATEWAY_ALLOW_ANONYMOUS": "true",
    "MEWS_CLIENT_TOKEN": "client-secret-1",
}
CHAIN_A = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
CHAIN_B = "5ee4c8f1-0000-4e5b-9c0e-43a8b3f9d2a1"


def _error(env: dict[str, str]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings({**BASE, **env})
    message = str(caught.value)
    assert "\n" not in message
    for secret in ("client-secret-1", "portfolio-secret", "paris-secret", "lyon-secret"):
        assert secret not in message
    return caught.value


def test_a_single_token_reads_as_before() -> None:
    settings = load_settings({**BASE, "MEWS_ACCESS_TOKEN": "portfolio-secret"})
    assert settings.mews is not None
    assert settings.mews.access_token == "portfolio-secret"
    assert settings.mews.chain_ids == () and settings.mews.named == ()
    assert settings.mews.access_tokens == ("portfolio-secret",)


def test_a_portfolio_token_with_its_chains_and_named_property_tokens() -> None:
    settings = load_settings(
        {
            **BASE,
            "MEWS_ACCESS_TOKEN": "portfolio-secret",
            "MEWS_CHAIN_IDS": f"{CHAIN_A}, {CHAIN_B.upper()}",
            "MEWS_ACCESS_TOKENS": "paris=paris-secret, lyon = lyon-secret",
        }
    )
    assert settings.mews is not None
    assert settings.mews.chain_ids == (CHAIN_A, CHAIN_B)
    assert settings.mews.named == (("paris", "paris-secret"), ("lyon", "lyon-secret"))
    assert "secret" not in repr(settings.mews)
    assert {"portfolio-secret", "paris-secret", "lyon-secret"} <= set(secrets_of(settings))


def test_named_tokens_alone_are_enough() -> None:
    settings = load_settings({**BASE, "MEWS_ACCESS_TOKENS": "paris=paris-secret"})
    assert settings.mews is not None
    assert settings.mews.access_token is None
    assert settings.mews.access_tokens == ("paris-secret",)


@pytest.mark.parametrize(
    ("env", "variable", "says"),
    [
        ({}, "MEWS_ACCESS_TOKEN", "MEWS_ACCESS_TOKENS"),
        (
            {"MEWS_ACCESS_TOKENS": "paris=paris-secret,paris=lyon-secret"},
            "MEWS_ACCESS_TOKENS",
            "paris is given twice",
        ),
        ({"MEWS_ACCESS_TOKENS": "paris=,lyon=lyon-secret"}, "MEWS_ACCESS_TOKENS", "empty"),
        ({"MEWS_ACCESS_TOKENS": "par is=paris-secret"}, "MEWS_ACCESS_TOKENS", "item #1"),
        (
            {"MEWS_ACCESS_TOKEN": "portfolio-secret", "MEWS_CHAIN_IDS": "portfolio-secret"},
            "MEWS_CHAIN_IDS",
            "not a UUID",
        ),
        (
            {"MEWS_CHAIN_IDS": CHAIN_A, "MEWS_ACCESS_TOKENS": "paris=paris-secret"},
            "MEWS_ACCESS_TOKEN",
            "portfolio",
        ),
        (
            {"MEWS_ACCESS_TOKEN": "paris-secret", "MEWS_ACCESS_TOKENS": "paris=paris-secret"},
            "MEWS_ACCESS_TOKENS",
            "other than",
        ),
    ],
)
def test_inconsistent_group_settings_are_one_line_without_a_token(
    env: dict[str, str], variable: str, says: str
) -> None:
    error = _error(env)
    assert error.variable == variable
    assert says in error.expected


def test_tokens_without_the_client_token_name_it() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"FULLWHERE_DISABLED": "true", "MEWS_ACCESS_TOKENS": "lyon=lyon-secret"})
    assert caught.value.variable == "MEWS_CLIENT_TOKEN"
    assert "lyon-secret" not in str(caught.value)

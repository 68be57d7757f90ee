"""Each distinct document is parsed and validated once, across requests."""

from __future__ import annotations

from gateway.graphql import DOCUMENT_CACHE_SIZE
from gateway.graphql.extensions.document_cache import _cached_parse
from tests.conftest import Gateway


async def test_a_repeated_query_is_parsed_once(gateway: Gateway) -> None:
    query = "query RepeatedForTheCacheTest { customers(first: 1) { totalCount } }"
    parse = _cached_parse(DOCUMENT_CACHE_SIZE)
    await gateway.data(query)
    before = parse.cache_info()
    await gateway.data(query)
    after = parse.cache_info()
    # Not parsed again: a prepared document skips the cache too (`schema.GatewaySchema`).
    assert after.misses == before.misses


async def test_syntax_errors_still_get_a_code(gateway: Gateway) -> None:
    for _ in range(2):
        result = await gateway.post("{ customers(first: 1) { totalCount ")
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "Syntax Error" in result["errors"][0]["message"]

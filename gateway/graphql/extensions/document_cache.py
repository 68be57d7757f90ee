"""Parse each distinct document once: a bounded LRU shared by all requests.

Strawberry's own ParserCache lets a syntax error escape its hook, which skips the error
formatting every other request error gets; here a document that fails to parse is left to
Strawberry's parser, which reports it the usual way (with `extensions.code`).
Validation results are cached by Strawberry's ValidationCache, keyed on the document this
cache returns and on the validation rules the limits add.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import _lru_cache_wrapper, cache, lru_cache
from typing import Any

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension


@cache
def _cached_parse(maxsize: int) -> _lru_cache_wrapper[DocumentNode]:
    return lru_cache(maxsize=maxsize)(parse)


class DocumentCache(SchemaExtension):
    def __init__(self, maxsize: int = 1000) -> None:
        self.parse: Callable[..., Any] = _cached_parse(maxsize)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query:
            # On a syntax error Strawberry parses it again and reports it the usual way.
            with suppress(GraphQLError):
                context.graphql_document = self.parse(context.query, **context.parse_options)
        yield

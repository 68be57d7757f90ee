"""The gateway's GraphQL schema: `build_schema()` assembles types, config and extensions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    SchemaExtension,
    ValidationCache,
)

from gateway.config import Settings
from gateway.graphql.base import schema_config
from gateway.graphql.executor import FastExecutor
from gateway.graphql.extensions.cost_limit import CallerBudgets, CostLimit
from gateway.graphql.extensions.deadline import RequestDeadline
from gateway.graphql.extensions.document_cache import DocumentCache
from gateway.graphql.extensions.error_codes import ErrorCodes
from gateway.graphql.extensions.hide_suggestions import HideSuggestions
from gateway.graphql.extensions.identity import IdentityIndexStatus
from gateway.graphql.extensions.operation_limits import OperationLimits
from gateway.graphql.extensions.stale import StaleReads
from gateway.graphql.fast_fields import bypass_wrappers
from gateway.graphql.federation import SubgraphQuery, subgraph_sdl
from gateway.graphql.mutation import Mutation
from gateway.graphql.query import Query
from gateway.graphql.schema import GatewaySchema
from gateway.graphql.subscription import Subscription
from gateway.observability.operations import ObserveOperation

#: How documents run (tests swap in Strawberry's own to compare answers).
EXECUTOR: type[FastExecutor] | None = FastExecutor

#: Distinct documents whose parse and validation results are kept (LRU, shared by requests).
DOCUMENT_CACHE_SIZE = 1000
#: Distinct documents that skip Strawberry's phases once they ran (`schema.GatewaySchema`;
#: tests set 0 to compare answers with Strawberry's way).
PREPARED_DOCUMENTS = DOCUMENT_CACHE_SIZE


def protection(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """The hostile-input limits of `settings`, as extension factories (one per request).

    All of them work on the whole document before execution: no per-field hooks."""
    extensions: list[Callable[[], SchemaExtension]] = [
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(
            OperationLimits,
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_root_fields=settings.max_root_fields,
        ),
    ]
    if not settings.introspection:
        # The hints of "Did you mean ...?" would give away what introspection now hides.
        extensions += [DisableIntrospection, HideSuggestions]
    return [*extensions, cost_limit(settings)]


def cost_limit(settings: Settings) -> Callable[[], SchemaExtension]:
    """The upstream-call limit, and the callers' budgets (one store per schema: per app)."""
    budgets = (
        CallerBudgets(settings.caller_budget, settings.caller_budget_window)
        if settings.caller_budget > 0
        else None
    )
    return partial(
        CostLimit,
        max_calls=settings.max_upstream_calls,
        batch_size=settings.fullwhere_batch_size,
        budgets=budgets,
    )


def build_schema(
    extensions: list[type[SchemaExtension] | SchemaExtension] | None = None,
    *,
    settings: Settings | None = None,
) -> GatewaySchema:
    """The schema, with the limits of `settings` (the defaults when None); an Apollo
    Federation subgraph when `settings.federation`."""
    settings = settings or Settings(fullwhere=None, mews=None)
    schema = GatewaySchema(
        query=SubgraphQuery if settings.federation else Query,
        mutation=Mutation,
        subscription=Subscription,
        config=schema_config(),
        execution_context_class=EXECUTOR,
        prepared_size=PREPARED_DOCUMENTS,
        extensions=[
            # First, so that it ends last: it reports the result with every error's code.
            ObserveOperation,
            ErrorCodes,
            RequestDeadline,
            StaleReads,
            IdentityIndexStatus,
            *protection(settings),
            # After the limits: both caches key on the parse options and validation rules the
            # limits set, so a cached document was checked under the same limits.
            partial(DocumentCache, maxsize=DOCUMENT_CACHE_SIZE),
            partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
            *(extensions or []),
        ],
    )
    bypass_wrappers(schema)
    return schema


def export_sdl(schema: Any = None) -> str:
    """The schema as SDL, exactly as `schema.graphql` holds it."""
    return str(schema or build_schema()).rstrip() + "\n"


def export_subgraph_sdl() -> str:
    """The subgraph's SDL (`GATEWAY_FEDERATION=true`), exactly as `schema.federation.graphql`
    holds it and `_service { sdl }` serves it."""
    return subgraph_sdl(build_schema(settings=Settings(fullwhere=None, mews=None, federation=True)))

"""The gateway's GraphQL schema: `build_schema()` assembles types, config and extensions."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from gateway.schema.base import GraphQLNames, resolve_attribute
from gateway.schema.extensions.error_codes import ErrorCodes
from gateway.schema.query import Query


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorCodes logs the unexpected ones with their request id; the rest are answers,
        # not faults, and Strawberry's default would log each with a stack trace.
        return None


def build_schema(
    extensions: list[type[SchemaExtension] | SchemaExtension] | None = None,
) -> GatewaySchema:
    return GatewaySchema(
        query=Query,
        config=StrawberryConfig(
            default_resolver=resolve_attribute, name_converter=GraphQLNames()
        ),
        extensions=[ErrorCodes, *(extensions or [])],  # type: ignore[list-item]
    )


def export_sdl(schema: Any = None) -> str:
    """The schema as SDL, exactly as `schema.graphql` holds it."""
    return str(schema or build_schema()).rstrip() + "\n"

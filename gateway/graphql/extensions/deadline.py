"""Make the request's deadline (`RequestContext.deadline`) the current one while the operation
runs, so every upstream call, retry and rate-limit wait it causes is bounded by it."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from gateway.upstream.resilience import deadline_scope


class RequestDeadline(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        deadline = getattr(self.execution_context.context, "deadline", None)
        with deadline_scope(deadline):
            yield

"""`GatewaySchema`: Strawberry's schema, with a short way through `execute` for documents
it has run before.

Strawberry's `execute` drives every extension through four phases (operation, parsing,
validation, execution) with a context manager per hook, builds a middleware manager, and
parses and validates through caches: about 120 µs of CPU per request here (bench/cpu.py), a
fifth of what one customer costs. For a document that was parsed and validated before, under
the same schema and limits, most of that is known in advance:

- the extensions that only prepare a document (the token limit, the validation rules, the
  document and validation caches) have nothing to do: their outcome was a valid document;
- the other extensions run as Strawberry runs them: each `on_operation` hook around the
  execution, entered in order and left in reverse, then each `on_execute` hook around the
  execution itself, then `get_results`;
- the operation type is checked against the allowed ones as Strawberry checks it.

`execute` takes the short way when the document and operation name are among the last
`prepared_size` that reached execution (an LRU; 0 turns the short way off). Otherwise, and for
any schema whose extensions the short way cannot drive (a `resolve`, `on_parse` or
`on_validate` hook outside the preparing ones, an async `on_operation` or `on_execute`,
directives), it is Strawberry's own. Results, errors and extension results are the same
either way (tests/graphql/test_prepared.py). The Strawberry internals used here are checked
by tests/graphql/test_strawberry_internals.py.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, ExitStack, contextmanager
from functools import partial
from typing import Any, NamedTuple

import strawberry
from cachetools import LRUCache
from graphql import DocumentNode, GraphQLError
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema._graphql_core import GraphQLExecutionResult
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, _coerce_error
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from gateway.graphql.extensions.document_cache import DocumentCache

#: Extensions whose every hook serves parsing or validation: a prepared document needs none.
PREPARATION_ONLY: tuple[type[SchemaExtension], ...] = (
    MaxTokensLimiter,
    AddValidationRules,
    DocumentCache,
    ValidationCache,
)
_OTHER_HOOKS = ("on_parse", "on_validate", "resolve")
_RUN_TIME_HOOKS = ("on_operation", "on_execute", "resolve", "get_results")


class _Prepared(NamedTuple):
    document: DocumentNode
    operation_type: OperationType


Hook = Callable[[SchemaExtension], AbstractContextManager[None]]


class _Runtime(NamedTuple):
    """An extension the short way runs, and its `on_operation` and `on_execute` hooks (None:
    it has none)."""

    factory: Any  # a class or factory, or a (deprecated) shared instance
    on_operation: Hook | None
    on_execute: Hook | None = None


class _NotGenerator(Exception):
    """A hook the short way cannot drive (async or plain): Strawberry's machinery runs it."""


def _hook(cls: type[SchemaExtension], name: str) -> Hook | None:
    """`cls`'s hook `name` as a context manager; None when it has none.

    Raises:
        _NotGenerator: the hook is not a generator.
    """
    hook = getattr(cls, name)
    if hook is getattr(SchemaExtension, name):
        return None
    if not inspect.isgeneratorfunction(hook):
        raise _NotGenerator(name)
    return contextmanager(hook)


def _extension_class(extension: Any) -> type[SchemaExtension] | None:
    if isinstance(extension, SchemaExtension):
        return type(extension)
    if isinstance(extension, partial):
        extension = extension.func
    return extension if isinstance(extension, type) else None


def _runtime_extensions(extensions: Iterable[Any]) -> list[_Runtime] | None:
    """The extensions a prepared document still runs, or None when the short way cannot
    drive them exactly as Strawberry does."""
    runtime: list[_Runtime] = []
    for extension in extensions:
        cls = _extension_class(extension)
        if cls is None:
            return None
        base = next((b for b in PREPARATION_ONLY if issubclass(cls, b)), None)
        if base is not None:
            # A subclass that adds a run-time hook is not preparation only.
            if any(getattr(cls, hook) is not getattr(base, hook) for hook in _RUN_TIME_HOOKS):
                return None
            continue
        if any(getattr(cls, hook) is not getattr(SchemaExtension, hook) for hook in _OTHER_HOOKS):
            return None
        try:
            hooks = _Runtime(extension, _hook(cls, "on_operation"), _hook(cls, "on_execute"))
        except _NotGenerator:
            return None
        runtime.append(hooks)
    return runtime


class GatewaySchema(strawberry.Schema):
    """Strawberry's schema with the short way for prepared documents."""

    def __init__(self, *args: Any, prepared_size: int = 1000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepared: LRUCache[tuple[str, str | None], _Prepared] = LRUCache(
            max(prepared_size, 1)
        )
        self._runtime = (
            None if self.directives or prepared_size < 1 else _runtime_extensions(self.extensions)
        )

    @property
    def reuses_prepared_documents(self) -> bool:
        """Whether documents that ran before take the short way."""
        return self._runtime is not None

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorCodes logs the unexpected ones with their request id; the rest are answers,
        # not faults, and Strawberry's default would log each with a stack trace.
        return None

    async def _execute_operation(
        self, execution_context: ExecutionContext, *args: Any, **kwargs: Any
    ) -> Any:
        # Reached only once the document parsed and validated, with an allowed operation.
        self._remember(execution_context)
        return await super()._execute_operation(execution_context, *args, **kwargs)

    def _remember(self, context: ExecutionContext) -> None:
        if self._runtime is None or not context.query or context.graphql_document is None:
            return
        # The name as the request gave it (None for a lone operation), as `execute` looks up.
        key = (context.query, context._provided_operation_name)
        self._prepared[key] = _Prepared(context.graphql_document, context.operation_type)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        prepared = self._prepared.get((query, operation_name)) if query else None
        if prepared is None or self._runtime is None:
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        context = self._create_execution_context(
            query=query,
            allowed_operation_types=(
                DEFAULT_ALLOWED_OPERATION_TYPES
                if allowed_operation_types is None
                else allowed_operation_types
            ),
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
        )
        context.graphql_document = prepared.document
        extensions = [
            factory if isinstance(factory, SchemaExtension) else factory()
            for factory, *_ in self._runtime
        ]
        for extension in extensions:
            extension.execution_context = context
        try:
            with ExitStack() as hooks:
                for extension, runtime in zip(extensions, self._runtime, strict=True):
                    if runtime.on_operation is not None:
                        hooks.enter_context(runtime.on_operation(extension))
                if prepared.operation_type not in context.allowed_operations:
                    raise InvalidOperationTypeError(prepared.operation_type)
                # As Strawberry's executing phase: every `on_execute`, in order, around it.
                for extension, runtime in zip(extensions, self._runtime, strict=True):
                    if runtime.on_execute is not None:
                        hooks.enter_context(runtime.on_execute(extension))
                result = await self._run(context, operation_extensions)
        except InvalidOperationTypeError:
            raise
        except Exception as exc:  # as Strawberry's execute: the error is the result
            return await self._handle_execution_result(
                context,
                PreExecutionError(data=None, errors=[_coerce_error(exc)]),
                self.create_extensions_runner(context, extensions),
            )
        return await self._handle_execution_result(
            context,
            result,
            self.create_extensions_runner(context, extensions),
            skip_process_errors=True,
        )

    async def _run(
        self, context: ExecutionContext, operation_extensions: dict[str, Any] | None
    ) -> Any:
        """Strawberry's `_execute_operation`, without its (empty) executing phase."""
        if context.result:  # an on_operation hook answered already (a response cache)
            return context.result
        result = self._get_execute_function()(
            self._schema,
            context.graphql_document,
            root_value=context.root_value,
            variable_values=context.variables,
            operation_name=context.operation_name,
            context_value=context.context,
            is_awaitable=optimized_is_awaitable,
            executor_class=self.execution_context_class,
            **self._get_custom_context_kwargs(operation_extensions),
        )
        if optimized_is_awaitable(result):
            result = await result
        context.result = result
        if isinstance(result, GraphQLExecutionResult) and result.errors:
            context.pre_execution_errors = result.errors
            self._process_errors(result.errors, context)
        return result

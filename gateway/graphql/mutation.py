"""Root mutation fields. Each resolver is the whole story of its field: it checks its input
(nothing is sent upstream for a refused one), writes, keeps the caches consistent with the
write, and answers with the new data.

Every mutation takes an optional `idempotencyKey`: a repeat with the same key and input
returns the first answer without writing again (see `gateway.data.idempotency`).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, cast

import strawberry
from strawberry.types import Info

from gateway.data.context import RequestContext
from gateway.domain.batches import FULLWHERE_SAFE_BODY_BYTES, encoded_size, plan_chunks
from gateway.domain.bodies import (
    Problems,
    fullwhere_body,
    fullwhere_body_from_mews,
    mews_add_body,
    mews_chain_id,
    mews_update_body,
)
from gateway.domain.ids import parse_customer_id
from gateway.errors import BadUserInput, GatewayError
from gateway.graphql.customer import Customer, customer_for_mews
from gateway.graphql.inputs import (
    AddCustomerInput,
    AttachCustomerFileInput,
    ImportCustomerInput,
    UpdateCustomerInput,
    given,
    read_attachment,
)
from gateway.http.caller import caller_of_request
from gateway.observability import metrics
from gateway.services.groups import add_place, place_of_guest
from gateway.services.idempotency import idempotent
from gateway.services.live import ChangeKind
from gateway.services.merges import merge_guests
from gateway.services.writes import (
    error_fields,
    forget_fullwhere_lists,
    mews_id_of,
    remember_fullwhere_import,
    remember_mews_write,
)
from gateway.upstream.errors import (
    UpstreamBadRequest,
    UpstreamError,
    UpstreamForbidden,
)
from gateway.upstream.fullwhere_types import FullwhereImportBody
from gateway.upstream.mews import MewsClient
from gateway.upstream.mews_types import MewsAddBody, MewsCustomer, MewsUpdateBody

Ctx = Info[RequestContext, None]
P = TypeVar("P")

IdempotencyKey = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "Any unique string (e.g. a UUID) that makes a retry safe: a repeat with the same "
            "key and the same input within IDEMPOTENCY_TTL_SECONDS (24 h by default) returns "
            "the first successful answer (`replayed: true`) without writing again; the same key "
            "with another input is refused. Failed writes are not remembered."
        )
    ),
]
_REPLAYED = (
    "True when this is the remembered answer to an earlier call with the same `idempotencyKey`."
)


# --- payloads ---------------------------------------------------------------------------------


@strawberry.type(description="Why a part of a write failed.")
class WriteError:
    code: str = strawberry.field(
        description="An `extensions.code` value, e.g. UPSTREAM_UNAVAILABLE."
    )
    message: str = strawberry.field(description="What went wrong, in words.")
    source: str | None = strawberry.field(description="`fullwhere` or `mews` for upstream errors.")
    may_have_been_applied: bool = strawberry.field(
        description=(
            "True when the upstream may have acted anyway (a timeout or a dropped connection "
            "after sending): check before retrying."
        )
    )

    @classmethod
    def of(cls, exc: BaseException) -> WriteError:
        return cls(**error_fields(exc))


@strawberry.type(description="The customer Fullwhere created.")
class ImportCustomerPayload:
    customer: Customer = strawberry.field(description="The customer Fullwhere created.")
    replayed: bool = strawberry.field(default=False, description=_REPLAYED)


@strawberry.enum(description="Outcome of one chunk of an `importCustomers` call.")
class ImportChunkStatus(enum.Enum):
    IMPORTED = "IMPORTED"
    FAILED = "FAILED"


@strawberry.type(
    description=(
        "One `POST /partners/customer/batch` request: the input items `firstIndex` to "
        "`lastIndex` (inclusive, 0-based)."
    )
)
class ImportChunk:
    index: int = strawberry.field(description="Position of this chunk, from 0.")
    first_index: int = strawberry.field(description="Input position of the chunk's first item.")
    last_index: int = strawberry.field(description="Input position of the chunk's last item.")
    count: int = strawberry.field(description="Number of items in the chunk.")
    status: ImportChunkStatus = strawberry.field(description="Whether the chunk was imported.")
    error: WriteError | None = strawberry.field(description="Why the chunk failed, when it did.")


@strawberry.type(
    description=(
        "What `importCustomers` did. Items of failed chunks were not imported (unless their "
        "chunk's error says `mayHaveBeenApplied`): retry just `failedIndexes`."
    )
)
class ImportCustomersPayload:
    imported_count: int = strawberry.field(description="Number of customers imported.")
    failed_count: int = strawberry.field(description="Number of customers not imported.")
    chunks: list[ImportChunk] = strawberry.field(
        description="The batch requests the import was split into, in input order."
    )
    imported_indexes: list[int] = strawberry.field(description="Input positions imported.")
    failed_indexes: list[int] = strawberry.field(description="Input positions not imported.")
    replayed: bool = strawberry.field(default=False, description=_REPLAYED)


@strawberry.enum(description="What happened to the Fullwhere side of `addCustomer`.")
class FullwhereImportStatus(enum.Enum):
    IMPORTED = strawberry.enum_value("IMPORTED", description="Fullwhere has the customer now.")
    FAILED = strawberry.enum_value(
        "FAILED", description="The Mews guest exists; the Fullwhere import did not happen."
    )
    ALREADY_LINKED = strawberry.enum_value(
        "ALREADY_LINKED",
        description=(
            "Mews returned an existing guest (`overwriteExisting`) that a Fullwhere customer "
            "already links to; nothing was imported."
        ),
    )


@strawberry.type(description="The Fullwhere import that `alsoImportToFullwhere` asked for.")
class FullwhereImportOutcome:
    status: FullwhereImportStatus = strawberry.field(description="Whether the import happened.")
    mews_id: strawberry.ID = strawberry.field(
        description="The Mews guest, which exists in every case."
    )
    fullwhere_id: strawberry.ID | None = strawberry.field(
        description="The Fullwhere customer, if any."
    )
    message: str = strawberry.field(description="What happened, in words.")
    error: WriteError | None = strawberry.field(description="Why the import failed, if it did.")


@strawberry.type(description="The new (or, with `overwriteExisting`, overwritten) Mews guest.")
class AddCustomerPayload:
    customer: Customer = strawberry.field(
        description=(
            "The guest as a unified customer: `fullwhere:<id>` when it was imported into "
            "Fullwhere too, else `mews:<id>`."
        )
    )
    fullwhere_import: FullwhereImportOutcome | None = strawberry.field(
        description="Null unless `alsoImportToFullwhere` was asked for."
    )
    replayed: bool = strawberry.field(default=False, description=_REPLAYED)


@strawberry.type(description="The customer after the update.")
class UpdateCustomerPayload:
    customer: Customer = strawberry.field(description="The customer, as it is after the update.")
    replayed: bool = strawberry.field(default=False, description=_REPLAYED)


@strawberry.enum(description="The Mews operation that merged the customers.")
class MergeMethod(enum.Enum):
    CUSTOMERS_MERGE = strawberry.enum_value(
        "CUSTOMERS_MERGE", description="`customers/merge` (deprecated by Mews)."
    )
    ACCOUNTS_MERGE = strawberry.enum_value(
        "ACCOUNTS_MERGE",
        description="`accounts/merge`, used when `customers/merge` is gone (404).",
    )


@strawberry.type(description="A merge of one Mews guest into another.")
class MergeCustomersPayload:
    source_id: strawberry.ID = strawberry.field(description="`sourceId` as given.")
    target_id: strawberry.ID = strawberry.field(description="`targetId` as given.")
    source_mews_id: strawberry.ID = strawberry.field(description="The Mews guest merged away.")
    target_mews_id: strawberry.ID = strawberry.field(description="The Mews guest that remains.")
    via: MergeMethod = strawberry.field(description="The Mews operation that did the merge.")
    target: Customer | None = strawberry.field(description="The remaining customer.")
    replayed: bool = strawberry.field(default=False, description=_REPLAYED)


@strawberry.type(description="A file attached to a Mews guest.")
class AttachCustomerFilePayload:
    file_id: strawberry.ID = strawberry.field(description="Mews `FileId`.")
    customer_id: strawberry.ID = strawberry.field(description="`customerId` as given.")
    mews_customer_id: strawberry.ID = strawberry.field(description="The Mews guest the file is on.")
    name: str = strawberry.field(description="File name.")
    type: str = strawberry.field(description="MIME type.")
    size: int = strawberry.field(description="Bytes.")
    replayed: bool = strawberry.field(default=False, description=_REPLAYED)


# --- helpers ----------------------------------------------------------------------------------


async def _once(
    info: Ctx, field: str, key: str | None, material: Any, work: Callable[[], Awaitable[P]]
) -> P:
    context = info.context
    caller = caller_of_request(context.request)
    result, replayed = await idempotent(
        context, caller=caller.identity, field=field, key=key, material=material, work=work
    )
    if replayed:
        metrics.record_replay(field)
    return dataclasses.replace(result, replayed=True) if replayed else result  # type: ignore[type-var]


def _parse_id(value: strawberry.ID, argument: str) -> tuple[str, str]:
    try:
        return parse_customer_id(str(value))
    except BadUserInput as exc:
        raise BadUserInput(f"{argument}: {exc.message}", argument=argument) from None


def _duplicate_email(exc: UpstreamForbidden, email: str, hint: str) -> BadUserInput:
    return BadUserInput(
        f"input.email: the email {email!r} is already used by another Mews guest; {hint} "
        f"(Mews: {exc.message})",
        argument="input.email",
        source="mews",
        conflictingEmail=email,
    )


async def _write_guest(
    context: RequestContext,
    write: Awaitable[MewsCustomer],
    email: str | None,
    hint: str,
    kind: ChangeKind = "UPDATED",
) -> dict[str, Any]:
    """The guest a Mews add or update returns, remembered; Mews refuses a write whose `email`
    another guest uses (403), which becomes BAD_USER_INPUT naming that email."""
    try:
        record = dict(await write)
    except UpstreamForbidden as exc:
        if not email:
            raise
        raise _duplicate_email(exc, email, hint) from None
    await remember_mews_write(context, record, kind)
    return record


async def _customer_at(info: Ctx, record: dict[str, Any], field: str) -> Customer:
    """The unified customer of a Mews guest, for the payload `field` (partial errors go
    there)."""
    return await customer_for_mews(record, info.context, [*info.path.as_list(), field])


# --- the mutations ----------------------------------------------------------------------------


@strawberry.type(description="Write customers to Fullwhere and Mews.")
class Mutation:
    @strawberry.mutation(
        description=(
            "Import one customer into Fullwhere (`POST /partners/customer`) and return it as "
            "a unified customer."
        )
    )
    async def import_customer(
        self,
        info: Ctx,
        input: ImportCustomerInput,
        idempotency_key: IdempotencyKey = None,
    ) -> ImportCustomerPayload:
        problems = Problems()
        body = fullwhere_body(given(input), "input", problems)
        problems.raise_if_any("input")
        context = info.context

        async def work() -> ImportCustomerPayload:
            record = dict(await context.upstreams.fullwhere.import_customer(body))
            await remember_fullwhere_import(context, record)
            return ImportCustomerPayload(customer=Customer.from_fullwhere(record))

        return await _once(info, "importCustomer", idempotency_key, body, work)

    @strawberry.mutation(
        description=(
            "Import many customers into Fullwhere (`POST /partners/customer/batch`). Every "
            "item is checked first (a bad one is reported by its index and nothing is sent); "
            "then the gateway sends chunks of at most FULLWHERE_BATCH_SIZE items and under "
            "Fullwhere's 100 KiB body limit, one after the other. A failed chunk does not "
            "stop the others. At most GATEWAY_MAX_BATCH_ITEMS items per call (5000 by "
            "default). Fullwhere answers "
            "a batch without the created records: read them with `customers` (the gateway "
            "learns their `mewsId` links when it reads them)."
        )
    )
    async def import_customers(
        self,
        info: Ctx,
        input: list[ImportCustomerInput],
        idempotency_key: IdempotencyKey = None,
    ) -> ImportCustomersPayload:
        problems = Problems()
        if not input:
            problems.add("input", "give at least one customer")
        limit = info.context.settings.max_batch_items
        if len(input) > limit:
            raise BadUserInput(
                f"input: {len(input)} customers exceed the limit of {limit} per call",
                argument="input",
            )
        bodies = [
            fullwhere_body(given(item), f"input[{i}]", problems) for i, item in enumerate(input)
        ]
        problems.raise_if_any("input")
        context = info.context
        chunks = plan_chunks(
            [encoded_size(body) for body in bodies],
            max_items=context.settings.fullwhere_batch_size,
            max_bytes=FULLWHERE_SAFE_BODY_BYTES,
        )

        async def work() -> ImportCustomersPayload:
            client = context.upstreams.fullwhere
            done: list[ImportChunk] = []
            try:
                for number, span in enumerate(chunks):
                    error: WriteError | None = None
                    try:
                        await client.import_batch(bodies[span.start : span.stop])
                    except UpstreamError as exc:
                        error = WriteError.of(exc)
                    status = ImportChunkStatus.FAILED if error else ImportChunkStatus.IMPORTED
                    done.append(
                        ImportChunk(
                            index=number,
                            first_index=span.start,
                            last_index=span.stop - 1,
                            count=len(span),
                            status=status,
                            error=error,
                        )
                    )
            finally:
                await forget_fullwhere_lists(context)
            imported = [i for c, s in zip(done, chunks, strict=True) if not c.error for i in s]
            failed = [i for c, s in zip(done, chunks, strict=True) if c.error for i in s]
            return ImportCustomersPayload(
                imported_count=len(imported),
                failed_count=len(failed),
                chunks=done,
                imported_indexes=imported,
                failed_indexes=failed,
            )

        return await _once(info, "importCustomers", idempotency_key, bodies, work)

    @strawberry.mutation(
        description=(
            "Add a Mews guest (`customers/add`). Mews finds duplicates by email: see "
            "`overwriteExisting`. With `alsoImportToFullwhere`, the guest is then imported "
            "into Fullwhere with its `mewsId`, so the unified customer exists in both."
        )
    )
    async def add_customer(
        self,
        info: Ctx,
        input: AddCustomerInput,
        idempotency_key: IdempotencyKey = None,
    ) -> AddCustomerPayload:
        problems = Problems()
        body = mews_add_body(given(input), problems)
        fullwhere_fields: dict[str, Any] | None = None
        if input.also_import_to_fullwhere:
            fullwhere_fields = fullwhere_body_from_mews(body)
            if input.fullwhere:
                if input.fullwhere.mews_id:
                    problems.add("input.fullwhere.mewsId", "set by the gateway; leave it out")
                extra = fullwhere_body(given(input.fullwhere), "input.fullwhere", problems)
                fullwhere_fields.update(extra)
        elif input.fullwhere:
            problems.add("input.fullwhere", "used only with `alsoImportToFullwhere: true`")
        problems.raise_if_any("input")
        context = info.context
        mews, body = _add_target(context, input.property, body)

        async def work() -> AddCustomerPayload:
            record = await _write_guest(
                context,
                mews.add(body),
                body.get("Email"),
                "set overwriteExisting: true to overwrite that guest",
                "ADDED",
            )
            outcome = None
            if fullwhere_fields is not None:
                outcome = await _import_added_guest(context, record, fullwhere_fields)
            # Joined to the Fullwhere record when one was imported (its link is known now).
            # A Fullwhere failure here must not hide the Mews write: report it beside.
            customer = await _customer_at(info, record, "customer")
            return AddCustomerPayload(customer=customer, fullwhere_import=outcome)

        material: dict[str, Any] = {"mews": body, "fullwhere": fullwhere_fields}
        if input.property is not None:
            material["property"] = input.property
        return await _once(info, "addCustomer", idempotency_key, material, work)

    @strawberry.mutation(
        description=(
            "Update a Mews guest (`customers/update`): only the fields given change. See "
            "`UpdateCustomerInput` for what Mews cannot clear. A `fullwhere:` id updates the "
            "linked Mews guest."
        )
    )
    async def update_customer(
        self,
        info: Ctx,
        input: UpdateCustomerInput,
        idempotency_key: IdempotencyKey = None,
    ) -> UpdateCustomerPayload:
        kind, raw = _parse_id(input.id, "input.id")
        problems = Problems()
        body = mews_update_body(given(input), problems)
        problems.raise_if_any("input")
        context = info.context

        async def work() -> UpdateCustomerPayload:
            mews_id = await mews_id_of(context, kind, raw, "input.id")
            update = cast(MewsUpdateBody, {**body, "CustomerId": mews_id})
            place = await place_of_guest(context, mews_id)
            record = await _write_guest(
                context,
                place.client.update(update, chain_id=place.chain_id),
                body.get("Email"),
                "choose another email",
            )
            return UpdateCustomerPayload(customer=await _customer_at(info, record, "customer"))

        material = {"id": str(input.id), "body": body}
        return await _once(info, "updateCustomer", idempotency_key, material, work)

    @strawberry.mutation(
        description=(
            "Merge the Mews guest `sourceId` into `targetId` (`customers/merge`, or "
            "`accounts/merge` where the deprecated operation is gone). The source is "
            "deactivated. Either id may be `fullwhere:<id>` of a linked customer. Merging a "
            "customer into itself, or an unknown or inactive guest, is refused before any "
            "write. Fullwhere keeps its `mewsId` as it is (it has no update)."
        )
    )
    async def merge_customers(
        self,
        info: Ctx,
        source_id: strawberry.ID,
        target_id: strawberry.ID,
        idempotency_key: IdempotencyKey = None,
    ) -> MergeCustomersPayload:
        source = _parse_id(source_id, "sourceId")
        target = _parse_id(target_id, "targetId")
        if source == target:
            raise BadUserInput(
                "targetId: a customer cannot be merged into itself", argument="targetId"
            )
        context = info.context

        async def work() -> MergeCustomersPayload:
            source_mews = await mews_id_of(context, *source, "sourceId")
            target_mews = await mews_id_of(context, *target, "targetId")
            merged = await merge_guests(context, source_mews, target_mews)
            return MergeCustomersPayload(
                source_id=source_id,
                target_id=target_id,
                source_mews_id=strawberry.ID(source_mews),
                target_mews_id=strawberry.ID(target_mews),
                via=MergeMethod[merged.via],
                target=None
                if merged.target is None
                else await _customer_at(info, merged.target, "target"),
            )

        material = {"sourceId": str(source_id), "targetId": str(target_id)}
        return await _once(info, "mergeCustomers", idempotency_key, material, work)

    @strawberry.mutation(
        description=(
            "Attach a file to a customer's Mews profile (`customers/addFile`), sent as a "
            "multipart upload or as base64 `data`; see `AttachCustomerFileInput` for the "
            "checks made before uploading."
        )
    )
    async def attach_customer_file(
        self,
        info: Ctx,
        input: AttachCustomerFileInput,
        idempotency_key: IdempotencyKey = None,
    ) -> AttachCustomerFilePayload:
        kind, raw = _parse_id(input.customer_id, "input.customerId")
        chain_id = mews_chain_id(input.chain_id, "input.chainId")
        context = info.context
        attachment = await read_attachment(input, context.settings.max_upload_bytes)

        async def work() -> AttachCustomerFilePayload:
            mews_id = await mews_id_of(context, kind, raw, "input.customerId")
            place = await place_of_guest(context, mews_id)
            try:
                file_id = await place.client.add_file(
                    customer_id=mews_id,
                    name=attachment.name,
                    mime_type=attachment.mime_type,
                    data=attachment.base64,
                    chain_id=place.chain_id if place.client.portfolio else chain_id,
                )
            except UpstreamBadRequest as exc:
                # Every value sent is the client's, as given, when it named the guest itself.
                raise exc.blame_client() if kind == "mews" else exc from None
            return AttachCustomerFilePayload(
                file_id=strawberry.ID(file_id),
                customer_id=input.customer_id,
                mews_customer_id=strawberry.ID(mews_id),
                name=attachment.name,
                type=attachment.mime_type,
                size=len(attachment.content),
            )

        material = {
            "customerId": str(input.customer_id),
            "name": attachment.name,
            "type": attachment.mime_type,
            "sha256": attachment.sha256,
        }
        if chain_id is not None:
            material["chainId"] = chain_id
        return await _once(info, "attachCustomerFile", idempotency_key, material, work)


def _add_target(
    context: RequestContext, prop: str | None, body: MewsAddBody
) -> tuple[MewsClient, MewsAddBody]:
    """The token `addCustomer` adds through, and the body with the portfolio chain chosen.

    A gateway with one place adds there as it always has; a group needs `property` or
    `chainId` to name one (refused before any call otherwise)."""
    group = context.upstreams.group
    chain_id = body.get("ChainId")
    if prop is None and group.one_property:
        return group.primary, body
    place = add_place(group, prop, chain_id)
    if place.chain_id is not None:
        return place.client, cast(MewsAddBody, {**body, "ChainId": place.chain_id})
    return place.client, body


def _id_or_none(value: str | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(value)


async def _import_added_guest(
    context: RequestContext, record: dict[str, Any], fields: dict[str, Any]
) -> FullwhereImportOutcome:
    """The Fullwhere half of `addCustomer(alsoImportToFullwhere: true)`."""
    mews_id = str(record["Id"])
    linked = await context.upstreams.links.get(mews_id)
    if linked is not None:
        return FullwhereImportOutcome(
            status=FullwhereImportStatus.ALREADY_LINKED,
            mews_id=strawberry.ID(mews_id),
            fullwhere_id=_id_or_none(linked),
            message=(
                f"Mews returned the existing guest {mews_id}, which the Fullwhere customer "
                f"{linked} already links to; nothing was imported into Fullwhere."
            ),
            error=None,
        )
    try:
        body = cast(FullwhereImportBody, {**fields, "mewsId": mews_id})
        imported = dict(await context.upstreams.fullwhere.import_customer(body))
    except (UpstreamError, GatewayError) as exc:
        error = WriteError.of(exc)
        happened = (
            "may or may not have happened (check before retrying)"
            if error.may_have_been_applied
            else "did not happen"
        )
        return FullwhereImportOutcome(
            status=FullwhereImportStatus.FAILED,
            mews_id=strawberry.ID(mews_id),
            fullwhere_id=None,
            message=(
                f"The Mews guest {mews_id} exists; the Fullwhere import {happened}: "
                f"{error.message}. Retry it with importCustomer and mewsId {mews_id!r}."
            ),
            error=error,
        )
    await remember_fullwhere_import(context, imported)
    return FullwhereImportOutcome(
        status=FullwhereImportStatus.IMPORTED,
        mews_id=strawberry.ID(mews_id),
        fullwhere_id=_id_or_none(str(imported["id"])),
        message=f"The Mews guest {mews_id} was imported into Fullwhere as {imported['id']}.",
        error=None,
    )


__all__ = ["Mutation"]

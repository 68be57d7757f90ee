"""`MewsCustomerFilter`: every documented customers/getAll filter, validated before any call."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, cast

import strawberry

from gateway.errors import BadUserInput
from gateway.graphql.base import DateTime
from gateway.graphql.mews import MewsActivityState

MAX_FILTER_ITEMS = 1000


@strawberry.input(
    description=(
        "A time interval for a Mews filter: at most 3 months long. Start equal to end "
        "matches that instant; otherwise start is inclusive and end exclusive."
    )
)
class MewsTimeInterval:
    # DateTime's parse_value hands resolvers a timezone-aware datetime.
    start_utc: DateTime = strawberry.field(description="Start of the interval (inclusive).")
    end_utc: DateTime = strawberry.field(
        description="End of the interval (exclusive, unless equal to the start)."
    )


@strawberry.input(
    description=(
        "Filters of Mews customers/getAll. Lists take at most 1000 items, `companyIds` at "
        "most one, intervals at most 3 months. With no filter at all the gateway asks for "
        "active customers (`activityStates: [ACTIVE]`), since Mews needs at least one."
    )
)
class MewsCustomerFilter:
    customer_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Mews ids (UUIDs) of the customers."
    )
    emails: list[str] | None = strawberry.field(
        default=None, description="Email addresses of the customers."
    )
    first_names: list[str] | None = strawberry.field(
        default=None, description="First names of the customers."
    )
    last_names: list[str] | None = strawberry.field(
        default=None, description="Last names of the customers."
    )
    loyalty_codes: list[str] | None = strawberry.field(
        default=None, description="Loyalty codes of the customers."
    )
    company_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The one company the customers are associated with."
    )
    chain_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Required by Mews with portfolio access tokens only."
    )
    created_utc: MewsTimeInterval | None = strawberry.field(
        default=None, description="When the customers were created."
    )
    updated_utc: MewsTimeInterval | None = strawberry.field(
        default=None, description="When the customers were last updated."
    )
    deleted_utc: MewsTimeInterval | None = strawberry.field(
        default=None, description="Use with `activityStates: [DELETED]`."
    )
    activity_states: list[MewsActivityState] | None = strawberry.field(
        default=None, description="Active customers, deleted ones, or both."
    )


_LISTS = {
    "customer_ids": "CustomerIds",
    "emails": "Emails",
    "first_names": "FirstNames",
    "last_names": "LastNames",
    "loyalty_codes": "LoyaltyCodes",
    "company_ids": "CompanyIds",
    "chain_ids": "ChainIds",
}
_INTERVALS = {"created_utc": "CreatedUtc", "updated_utc": "UpdatedUtc", "deleted_utc": "DeletedUtc"}


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def mews_time(moment: dt.datetime) -> str:
    """Mews's time format: UTC `YYYY-MM-DDThh:mm:ssZ`."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _interval(argument: str, interval: MewsTimeInterval) -> dict[str, str]:
    start = _utc(cast(dt.datetime, interval.start_utc))
    end = _utc(cast(dt.datetime, interval.end_utc))
    if end < start:
        raise BadUserInput(f"{argument}: endUtc is before startUtc", argument=argument)
    if end > _add_months(start, 3):
        raise BadUserInput(
            f"{argument}: Mews accepts intervals of at most 3 months; split the range",
            argument=argument,
        )
    return {"StartUtc": mews_time(start), "EndUtc": mews_time(end)}


def to_mews_filters(filter_: MewsCustomerFilter | None) -> dict[str, Any]:
    """The getAll filter body for `filter_`, or BAD_USER_INPUT naming the broken field."""
    body: dict[str, Any] = {}
    if filter_ is not None:
        for attr, key in _LISTS.items():
            values = getattr(filter_, attr)
            if values is None:
                continue
            limit = 1 if attr == "company_ids" else MAX_FILTER_ITEMS
            name = "filter." + strawberry_name(attr)
            if len(values) > limit:
                raise BadUserInput(f"{name}: at most {limit} items", argument=name)
            if values:
                body[key] = [str(v) for v in values]
        for attr, key in _INTERVALS.items():
            interval = getattr(filter_, attr)
            if interval is not None:
                body[key] = _interval("filter." + strawberry_name(attr), interval)
        if filter_.activity_states:
            body["ActivityStates"] = [state.value for state in filter_.activity_states]
    if not body.keys() - {"ChainIds"}:
        body["ActivityStates"] = ["Active"]
    return body


def strawberry_name(attr: str) -> str:
    head, *rest = attr.split("_")
    return head + "".join(part.title() for part in rest)

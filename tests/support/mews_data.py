"""Realistic Mews records for tests (fake people, documented shapes) and a client helper."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from gateway.sandbox.mews import MewsSandbox
from gateway.upstream.mews import (
    DEMO_ACCESS_TOKEN,
    DEMO_CLIENT_TOKEN,
    MewsClient,
    MewsCredentials,
)

CLIENT_NAME = "Customer Gateway Tests 1.0.0"
DEMO_CREDENTIALS = MewsCredentials(DEMO_CLIENT_TOKEN, DEMO_ACCESS_TOKEN, CLIENT_NAME)
BASE_URL = "http://mews.test"
EPOCH = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

_FIRST = ["Thea", "John", "Amélie", "Lukas", "Sofia", "Jan", "Marta", "Oliver", "Inès", "Pavel"]
_LAST = [
    "Carbone",
    "Smith",
    "Dubois",
    "Novák",
    "Rossi",
    "Müller",
    "Svoboda",
    "García",
    "Berg",
    "Kowalski",
]


def utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_customer(index: int = 0, **overrides: Any) -> dict[str, Any]:
    """A customer in the documented getAll shape; `index` varies names and creation time."""
    first, last = _FIRST[index % len(_FIRST)], _LAST[(index // len(_FIRST)) % len(_LAST)]
    created = EPOCH + timedelta(hours=index)
    address_id = str(uuid.uuid4())
    customer: dict[str, Any] = {
        "Id": str(uuid.uuid4()),
        "ChainId": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "Number": str(200000 + index),
        "Title": "Miss" if index % 2 else "Mister",
        "Sex": "Female" if index % 2 else "Male",
        "FirstName": first,
        "LastName": last,
        "SecondLastName": None,
        "NationalityCode": "IT",
        "PreferredLanguageCode": "it-IT",
        "LanguageCode": "it-IT",
        "BirthDate": "1985-09-30",
        "BirthCountryCode": "IT",
        "BirthCountrySubdivisionCode": None,
        "BirthPlace": "Pescara (BI)",
        "Occupation": "Giornalista",
        "Email": f"{first.lower()}.{index}@quotidiano.example",
        "HasOtaEmail": False,
        "Phone": f"+39 06 555 {index:04d}",
        "TaxIdentificationNumber": None,
        "LoyaltyCode": f"LL{810000 + index}",
        "AccountingCode": None,
        "BillingCode": None,
        "Notes": "",
        "CarRegistrationNumber": None,
        "DietaryRequirements": None,
        "CreatedUtc": utc(created),
        "UpdatedUtc": utc(created + timedelta(minutes=5)),
        "Passport": None,
        "IdentityCard": None,
        "Visa": None,
        "DriversLicense": None,
        "Address": {
            "Id": address_id,
            "Line1": "Via Antimo 474 Piano 5",
            "Line2": None,
            "City": "Liborio laziale",
            "PostalCode": "30228",
            "CountryCode": "IT",
            "CountrySubdivisionCode": "IT-65",
            "Latitude": 28.56333,
            "Longitude": -121.243143,
        },
        "AddressId": address_id,
        "Classifications": ["Returning"],
        "Options": ["SendMarketingEmails"],
        "ItalianDestinationCode": None,
        "ItalianFiscalCode": None,
        "ItalianLotteryCode": None,
        "CompanyId": None,
        "MergeTargetId": None,
        "ActivityState": "Active",
        "IsActive": True,
        "PreferredSpaceFeatures": ["OceanView"],
        "CreatorProfileId": "3cd637ef-4728-47f9-8fb1-afb900c9cdcf",
        "UpdaterProfileId": "122fc063-ec6e-4198-b8db-6b168a59ffae",
    }
    customer.update(overrides)
    return customer


def make_customers(count: int) -> list[dict[str, Any]]:
    return [make_customer(index) for index in range(count)]


def make_reservation(
    owner_id: str,
    *,
    state: str = "Started",
    companion_ids: tuple[str, ...] = (),
    resource_id: str | None = "5ee074b1-6c86-48e8-915f-c7aa4702086f",
) -> dict[str, Any]:
    """A Reservation (ver 2017-04-12); `Started` means checked in."""
    return {
        "Id": str(uuid.uuid4()),
        "ServiceId": "bd26d8db-86da-4f96-9efc-e5a4654a4a94",
        "GroupId": str(uuid.uuid4()),
        "Number": "4711",
        "ChannelNumber": None,
        "ChannelManagerNumber": None,
        "ChannelManagerGroupNumber": None,
        "ChannelManager": None,
        "State": state,
        "Origin": "Connector",
        "OriginDetails": None,
        "Purpose": "Leisure",
        "CreatedUtc": "2024-03-01T10:00:00Z",
        "UpdatedUtc": "2024-03-05T14:00:00Z",
        "CancelledUtc": None,
        "StartUtc": "2024-03-05T14:00:00Z",
        "EndUtc": "2024-03-08T10:00:00Z",
        "ReleasedUtc": None,
        "RequestedCategoryId": "773d5e42-de1e-43a0-9ce6-f940faf2303f",
        "AssignedSpaceId": resource_id,
        "AssignedSpaceLocked": False,
        "AssignedResourceId": resource_id,
        "AssignedResourceLocked": False,
        "BusinessSegmentId": None,
        "CompanyId": None,
        "TravelAgencyId": None,
        "AvailabilityBlockId": None,
        "RateId": "ed4b660b-19d0-434b-9360-a4de2ea42eda",
        "VoucherId": None,
        "CreditCardId": None,
        "CancellationReason": None,
        "AdultCount": 1 + len(companion_ids),
        "ChildCount": 0,
        "PersonCounts": [
            {
                "AgeCategoryId": "1f67644f-052d-4863-acdf-ae1600c60ca0",
                "Count": 1 + len(companion_ids),
            },
        ],
        "OwnerId": owner_id,
        "CustomerId": owner_id,
        "BookerId": None,
        "CompanionIds": [owner_id, *companion_ids],
        "ChannelManagerId": None,
        "Options": {
            "OwnerCheckedIn": state == "Started",
            "AllCompanionsCheckedIn": state == "Started",
            "AnyCompanionCheckedIn": state == "Started",
        },
    }


def mews_http(sandbox: MewsSandbox, **kw: Any) -> httpx.AsyncClient:
    """An in-process HTTP client for `sandbox` (use it with `async with`)."""
    transport = httpx.ASGITransport(app=sandbox.app)
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, **kw)


Recorder = list[tuple[str, dict[str, Any]]]


@asynccontextmanager
async def mews_client(
    sandbox: MewsSandbox,
    *,
    credentials: MewsCredentials = DEMO_CREDENTIALS,
    recorder: Recorder | None = None,
    responses: list[httpx.Response] | None = None,
) -> AsyncIterator[MewsClient]:
    """A client talking to `sandbox` in process; optionally records bodies and responses."""

    async def record_request(request: httpx.Request) -> None:
        if recorder is not None:
            recorder.append((request.url.path, orjson.loads(request.content)))

    async def record_response(response: httpx.Response) -> None:
        if responses is not None:
            responses.append(response)

    hooks: dict[str, list[Callable[..., Any]]] = {
        "request": [record_request],
        "response": [record_response],
    }
    async with mews_http(sandbox, event_hooks=hooks) as http:
        yield MewsClient(http, credentials)

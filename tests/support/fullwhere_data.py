"""Small Fullwhere customers for tests, written out in the documented record shape."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from gateway.sandbox.fullwhere import FullwhereSandbox, create_fullwhere_sandbox

API_KEY = "pk_test_4c9e2a7f1b83"
API_SECRET = "sk_test_d83f5b0a9e6c27"

ALICE: dict[str, Any] = {
    "id": "3f6c1a52-8e0b-4d7f-9a14-2b5e7c9d0e11",
    "createdAt": "2024-11-05T08:14:22.315Z",
    "updatedAt": "2025-02-17T16:40:03.902Z",
    "description": "Regular guest, prefers a quiet room",
    "company": None,
    "firstName": "Alice",
    "lastName": "Martin",
    "displayName": "Alice Martin",
    "language": "fr",
    "phoneNumber": "+33612345678",
    "email": "alice.martin@example.com",
    "emailBounced": False,
    "civility": "Mme",
    "tags": [
        {
            "id": "9b2d7e41-0c3a-4f58-b6e2-71d0a8c4f953",
            "createdAt": "2024-11-05T08:14:22.315Z",
            "updatedAt": "2024-11-05T08:14:22.315Z",
            "tag": "VIP",
            "color": "#F5A623",
        }
    ],
    "emailOptin": True,
    "smsOptin": False,
    "zenchefId": "884213",
    "ubereatsId": None,
    "deliverooId": None,
    "zeltyId": None,
    "sevenroomsId": None,
    "metaId": None,
    "mewsId": "b7c1e2f0-5d4a-4c3b-9e8f-a1b2c3d4e5f6",
    "oracleId": None,
    "partoucheId": None,
    "comoId": None,
    "theForkId": None,
    "type": "Unknown",
    "feedbackCount": 3,
    "purchaseCount": 12,
    "averageFeedbackRating": "4.67",
    "dataSources": ["Zenchef", "Mews"],
    "metadata": {
        "zenchef": {
            "id": 884213,
            "firstname": "Alice",
            "lastname": "Martin",
            "email": "alice.martin@example.com",
            "lang": "fr",
            "vip": 1,
            "optins": [
                {
                    "id": 51,
                    "customer_sheet_id": 884213,
                    "type": "market_mail",
                    "value": True,
                    "is_last": 1,
                    "created_at": "2024-11-05 08:14:22",
                }
            ],
        },
        "mews": {
            "customer": {
                "Id": "b7c1e2f0-5d4a-4c3b-9e8f-a1b2c3d4e5f6",
                "FirstName": "Alice",
                "LastName": "Martin",
                "Email": "alice.martin@example.com",
                "Classifications": ["Returning"],
                "Address": {"City": "Lyon", "CountryCode": "FR", "Latitude": 45.764},
            },
            "documents": [],
        },
        "import": {},
    },
}

BRUNO: dict[str, Any] = {
    "id": "7a9e4b10-2f6d-4e8a-8c1b-d5e3f7a9b2c4",
    "createdAt": "2025-01-20T19:02:47.018Z",
    "updatedAt": "2025-01-20T19:02:47.018Z",
    "firstName": "Bruno",
    "lastName": "Rossi",
    "displayName": "Bruno Rossi",
    "language": "it",
    "phoneNumber": "+393471234567",
    "email": "bruno.rossi@example.it",
    "emailBounced": False,
    "tags": [],
    "emailOptin": False,
    "smsOptin": True,
    "theForkId": "tf-55120934",
    "type": "Unknown",
    "feedbackCount": 0,
    "purchaseCount": 2,
    "averageFeedbackRating": None,
    "dataSources": ["TheFork"],
    "metadata": {
        "theFork": {
            "customerUuid": "c0a8012e-7f3b-4b0e-9d1a-3e5f7a9c1b2d",
            "firstName": "Bruno",
            "lastName": "Rossi",
            "isVip": False,
            "optins": {"restaurantNewsletter": True},
        },
        "import": {"loyaltyTier": "gold"},
    },
}

CHLOE: dict[str, Any] = {
    "id": "c2d4f6a8-1b3e-4c5d-8f7a-9e0b1c2d3e4f",
    "createdAt": "2025-03-02T11:30:00.000Z",
    "updatedAt": "2025-03-09T07:45:12.480Z",
    "firstName": "Chloé",
    "lastName": "Dubois",
    "displayName": "Chloé Dubois",
    "language": "fr",
    "email": "chloe.dubois@example.fr",
    "emailBounced": True,
    "tags": [],
    "type": "Unknown",
    "feedbackCount": 1,
    "purchaseCount": 0,
    "averageFeedbackRating": "5.00",
    "dataSources": ["Google"],
    "metadata": {
        "googleMyBusiness": {
            "displayName": "Chloé D.",
            "profilePhotoUrl": "https://lh3.example.com/a/chloe.jpg",
            "isAnonymous": False,
        },
        "import": {},
    },
}


def customers() -> list[dict[str, Any]]:
    """Fresh copies of the three customers, in list order."""
    return copy.deepcopy([ALICE, BRUNO, CHLOE])


def fullwhere_sandbox() -> FullwhereSandbox:
    """A sandbox holding fresh copies of the three customers, behind the test credentials."""
    return create_fullwhere_sandbox(customers(), api_key=API_KEY, api_secret=API_SECRET)


def fullwhere_http(sandbox: FullwhereSandbox) -> httpx.AsyncClient:
    """An in-process HTTP client for `sandbox` (use it with `async with`)."""
    transport = httpx.ASGITransport(app=sandbox.app)
    return httpx.AsyncClient(transport=transport, base_url="http://fullwhere.test")

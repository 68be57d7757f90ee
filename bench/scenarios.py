"""The benchmark's scenarios: the queries, how each answer is checked, the upstream calls each
needs at least, and those calls made directly (the floor), built from the seeded sandbox world."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from processes import HOST

from gateway.sandbox.serve import BENCH_MEWS_COUNT
from gateway.sandbox.world import (
    DEFAULT_FULLWHERE_COUNT,
    DEFAULT_SEED,
    World,
    grown_world,
    linked_pairs,
    mews_link,
)
from gateway.upstream.mews import DEMO_ACCESS_TOKEN as DEMO_MEWS_ACCESS_TOKEN
from gateway.upstream.mews import DEMO_CLIENT_TOKEN as DEMO_MEWS_CLIENT_TOKEN

# ~40 leaf fields across Customer, FullwhereProfile and MewsProfile.
ONE_CUSTOMER = """
query OneCustomer($id: ID!) {
  customer(id: $id) {
    id fullwhereId mewsId link { method }
    firstName lastName email phone language company birthDate nationalityCode
    fullwhere {
      id createdAt updatedAt email phoneNumber language emailOptin smsOptin
      feedbackCount purchaseCount averageFeedbackRating dataSources
    }
    mews {
      id number title sex firstName lastName email phone nationalityCode birthDate
      createdUtc classifications options isActive companyId
    }
  }
}"""

# ~34 fields per customer, both profiles.
PAGE_NODE = """
      id fullwhereId mewsId link { method }
      firstName lastName email phone language company
      fullwhere {
        id createdAt email phoneNumber language emailOptin smsOptin
        feedbackCount purchaseCount dataSources
      }
      mews {
        id number firstName lastName email phone nationalityCode birthDate
        createdUtc classifications options isActive
      }"""

PAGE_OF_100 = (
    """
query CustomerPage {
  customers(first: 100) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {"""
    + PAGE_NODE
    + """
    } }
  }
}"""
)

MEWS_PAGE = """
query MewsPage {
  mewsCustomers(first: 1000) {
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        id number firstName lastName email phone nationalityCode preferredLanguageCode
        birthDate createdUtc updatedUtc classifications options isActive companyId
      }
    }
  }
}"""


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    """The JSON body of a GraphQL request, compact, as the load tools send it."""
    payload: dict[str, Any] = {"query": query}
    if variables:
        payload["variables"] = variables
    return json.dumps(payload, separators=(",", ":")).encode()


def aliases_query(ids: list[str]) -> str:
    fields = "\n".join(
        f'  c{i}: customer(id: "fullwhere:{id_}") {{ ...C }}' for i, id_ in enumerate(ids)
    )
    return f"query FiftyCustomers {{\n{fields}\n}}\nfragment C on Customer {{{PAGE_NODE}\n}}"


Check = Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True)
class RawCall:
    """One upstream call as the gateway makes it, sent straight to the sandbox server."""

    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def encode(self, port: int) -> bytes:
        head = [f"{self.method} {self.path} HTTP/1.1", f"Host: {HOST}:{port}"]
        head += [f"{name}: {value}" for name, value in self.headers]
        head.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + self.body


_FULLWHERE_AUTH = (("X-API-KEY", "demo-key"), ("X-API-SECRET", "demo-secret"))


def fullwhere_get(customer_id: str) -> RawCall:
    return RawCall("GET", f"/fullwhere/partners/customer?id={customer_id}", b"", _FULLWHERE_AUTH)


def fullwhere_list(*, page: int, limit: int) -> RawCall:
    body = json.dumps({"page": page, "limit": limit}).encode()
    return RawCall(
        "POST",
        "/fullwhere/partners/customer/list",
        body,
        (*_FULLWHERE_AUTH, ("Content-Type", "application/json")),
    )


def mews_get_all(filters: dict[str, Any], count: int) -> RawCall:
    body = {
        "ClientToken": DEMO_MEWS_CLIENT_TOKEN,
        "AccessToken": DEMO_MEWS_ACCESS_TOKEN,
        "Client": "gateway-bench",
        **filters,
        "Extent": {"Customers": True, "Addresses": True, "Documents": False},
        "Limitation": {"Count": count},
    }
    return RawCall(
        "POST",
        "/mews/api/connector/v1/customers/getAll",
        json.dumps(body).encode(),
        (("Content-Type", "application/json"),),
    )


@dataclass(frozen=True)
class Scenario:
    key: str
    name: str
    body: bytes
    min_calls: dict[str, int]
    chain: int  # upstream calls that depend on each other, end to end
    warm: bool
    check: Check
    floor: list[list[RawCall]]  # the minimal upstream calls, level by level
    overhead_target_ms: float | None = None
    rps_target: float | None = None  # with the most workers asked for (2 by default)

    @property
    def min_total(self) -> int:
        return sum(self.min_calls.values())


def _no_errors(result: dict[str, Any]) -> str | None:
    if result.get("errors"):
        return "errors: " + json.dumps(result["errors"])[:300]
    if not isinstance(result.get("data"), dict):
        return "no data"
    return None


def bench_world() -> World:
    """The seeded world the bench server serves: the ids and records the queries use."""
    return grown_world(
        DEFAULT_SEED, fullwhere_count=DEFAULT_FULLWHERE_COUNT, mews_count=BENCH_MEWS_COUNT
    )


def build_scenarios() -> list[Scenario]:
    world = bench_world()
    pairs = [(fw, mews) for fw, mews in linked_pairs(world) if fw.get("mewsId")]
    if len(pairs) < 51:
        raise SystemExit("bench: the seeded world has fewer than 51 linked customers")
    single_fw, single_mews = pairs[0]
    fifty = pairs[1:51]

    def check_one(result: dict[str, Any]) -> str | None:
        if problem := _no_errors(result):
            return problem
        customer = result["data"].get("customer") or {}
        if (customer.get("mews") or {}).get("id") != f"mews:{single_mews['Id']}":
            return "customer is not joined to its Mews profile"
        return None

    def check_page(result: dict[str, Any]) -> str | None:
        if problem := _no_errors(result):
            return problem
        edges = result["data"]["customers"]["edges"]
        if len(edges) != 100:
            return f"{len(edges)} edges, expected 100"
        if not any(edge["node"]["mews"] for edge in edges):
            return "no Mews profile joined"
        return None

    def check_fifty(result: dict[str, Any]) -> str | None:
        if problem := _no_errors(result):
            return problem
        data = result["data"]
        for index, (_fw, mews) in enumerate(fifty):
            if ((data.get(f"c{index}") or {}).get("mews") or {}).get("id") != f"mews:{mews['Id']}":
                return f"c{index} is not joined to its Mews profile"
        return None

    def check_mews_page(result: dict[str, Any]) -> str | None:
        if problem := _no_errors(result):
            return problem
        edges = result["data"]["mewsCustomers"]["edges"]
        return None if len(edges) == 1000 else f"{len(edges)} edges, expected 1000"

    # The same upstream calls, made directly: what the sandboxes alone take, level by level.
    page_links = [link for fw in world.fullwhere_customers[:100] if (link := mews_link(fw))]
    known = {guest["Id"] for guest in world.mews_customers}
    page_links = [link for link in dict.fromkeys(page_links) if link in known]
    floor_one = [
        [fullwhere_get(single_fw["id"])],
        [mews_get_all({"CustomerIds": [single_mews["Id"]]}, 1)],
    ]

    one = graphql_body(ONE_CUSTOMER, {"id": f"fullwhere:{single_fw['id']}"})
    get, get_all = "fullwhere:get", "mews:customers/getAll"
    return [
        Scenario(
            key="1",
            name="one customer, both profiles (~40 fields)",
            body=one,
            min_calls={get: 1, get_all: 1},
            chain=2,
            warm=False,
            check=check_one,
            floor=floor_one,
            overhead_target_ms=3.0,
        ),
        Scenario(
            key="2",
            name="page of 100 customers, both profiles",
            body=graphql_body(PAGE_OF_100),
            min_calls={"fullwhere:list": 1, get_all: 1},
            chain=2,
            warm=False,
            check=check_page,
            floor=[
                [fullwhere_list(page=1, limit=100)],
                [mews_get_all({"CustomerIds": page_links}, len(page_links))],
            ],
            overhead_target_ms=20.0,
            rps_target=100.0,
        ),
        Scenario(
            key="3",
            name="50 customers by alias in one query",
            body=graphql_body(aliases_query([fw["id"] for fw, _ in fifty])),
            min_calls={get: 50, get_all: 1},
            chain=2,
            warm=False,
            check=check_fifty,
            floor=[
                [fullwhere_get(fw["id"]) for fw, _ in fifty],
                [mews_get_all({"CustomerIds": [m["Id"] for _, m in fifty]}, 50)],
            ],
        ),
        Scenario(
            key="4",
            name="mewsCustomers page of 1000 (15 fields)",
            body=graphql_body(MEWS_PAGE),
            min_calls={get_all: 1},
            chain=1,
            warm=False,
            check=check_mews_page,
            floor=[[mews_get_all({"ActivityStates": ["Active"]}, 1000)]],
        ),
        Scenario(
            key="5",
            name="scenario 1, warm cache",
            body=one,
            min_calls={},
            chain=0,
            warm=True,
            check=check_one,
            floor=[],
            rps_target=1500.0,
        ),
    ]

"""GraphQL Mesh as the benchmark's peer: `./dev bench --peer mesh`.

The peer is GraphQL Mesh as its users run it today: Mesh Compose with `@omnigraph/openapi`
builds a supergraph from OpenAPI documents of the two sandbox APIs, and Hive Gateway serves
it on loopback, one Node process, no response cache. Each Fullwhere customer's Mews guest is
joined with `@resolveTo` batched on `CustomerIds` (`keysArg`), rows matched back by `Id`
(`valueKeyField`): one `customers/getAll` per page, as this gateway does.

The packages are pinned in `mesh/package.json` and `mesh/package-lock.json` and installed once
with `npm ci` into a cache folder (`$XDG_CACHE_HOME/customer-gateway/bench-mesh-<lock hash>`),
so a second run installs nothing. Without Node.js and npm the peer run is skipped with a
message saying so.

Mesh cannot follow the gateway's fallback link (`metadata.mews.customer.Id` when `mewsId` is
empty): a declarative join keys on one field. The answer check therefore compares every
customer, and counts the ones linked only through metadata as the one known difference.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.sandbox.world import mews_link
from gateway.upstream.mews import DEMO_ACCESS_TOKEN, DEMO_CLIENT_TOKEN

HERE = Path(__file__).resolve().parent / "mesh"
NPM_TIMEOUT = 900.0
COMPOSE_TIMEOUT = 180.0

FULLWHERE_KEY = "demo-key"
FULLWHERE_SECRET = "demo-secret"

# The two scenarios, each as this gateway asks it and as the Mesh supergraph asks it.
ONE_CUSTOMER_GATEWAY = """query One($id: ID!) {
  customer(id: $id) { fullwhere { firstName email } mews { firstName email } }
}"""
ONE_CUSTOMER_MESH = """query One($id: String!) {
  fullwhereCustomer(id: $id) { firstName email mews { FirstName Email } }
}"""
PAGE_GATEWAY = """query Page {
  customers(first: 100) { edges { node { id fullwhere { firstName } mews { firstName } } } }
}"""
PAGE_MESH = """query Page {
  fullwhereCustomers(input: { page: 1, limit: 100 }) {
    items { id firstName mews { FirstName } }
  }
}"""


class PeerUnavailable(RuntimeError):
    """The peer cannot run on this machine (no Node.js or npm); the message says why."""


@dataclass(frozen=True)
class MeshInstall:
    folder: Path

    @property
    def compose(self) -> Path:
        return self.folder / "node_modules" / ".bin" / "mesh-compose"

    @property
    def gateway(self) -> Path:
        return self.folder / "node_modules" / ".bin" / "hive-gateway"


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "customer-gateway"


def install(log: Any) -> MeshInstall:
    """The pinned Mesh packages, installed with `npm ci` into the cache on first use.

    Raises:
        PeerUnavailable: Node.js or npm is missing.
        RuntimeError: npm failed; its output is in the message.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise PeerUnavailable("Node.js and npm are needed for the Mesh peer (not found on PATH)")
    lock = (HERE / "package-lock.json").read_bytes()
    folder = _cache_root() / f"bench-mesh-{hashlib.sha256(lock).hexdigest()[:12]}"
    done = folder / ".installed"
    if done.exists():
        return MeshInstall(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, folder / name)
    log(f"installing the pinned GraphQL Mesh packages into {folder} (npm ci, a few minutes)")
    finished = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"npm ci failed ({finished.returncode}):\n{finished.stderr[-2000:]}")
    done.touch()
    return MeshInstall(folder)


def _fullwhere_customer_schema() -> dict[str, Any]:
    text = {"type": "string", "nullable": True}
    fields = ["company", "firstName", "lastName", "displayName", "language", "phoneNumber"]
    fields += ["email", "civility", "mewsId", "type"]
    properties: dict[str, Any] = {"id": {"type": "string"}, "createdAt": {"type": "string"}}
    properties["updatedAt"] = {"type": "string"}
    properties.update({name: text for name in fields})
    for name in ("emailBounced", "emailOptin", "smsOptin"):
        properties[name] = {"type": "boolean"}
    for name in ("feedbackCount", "purchaseCount"):
        properties[name] = {"type": "integer"}
    return {"type": "object", "properties": properties}


def fullwhere_openapi() -> dict[str, Any]:
    """The Fullwhere operations the scenarios use, as an OpenAPI 3 document."""
    customer = {"$ref": "#/components/schemas/FullwhereCustomer"}
    page = {
        "type": "object",
        "title": "FullwhereCustomerPage",
        "properties": {"items": {"type": "array", "items": customer}},
    }
    body = {
        "type": "object",
        "title": "FullwhereListBody",
        "properties": {"page": {"type": "integer"}, "limit": {"type": "integer"}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Fullwhere Partner API (customers)", "version": "1"},
        "paths": {
            "/partners/customer": {
                "get": {
                    "operationId": "fullwhereCustomer",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": _json_response("The customer", customer)},
                }
            },
            "/partners/customer/list": {
                "post": {
                    "operationId": "fullwhereCustomers",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": body}},
                    },
                    "responses": {"200": _json_response("A page of customers", page)},
                }
            },
        },
        "components": {"schemas": {"FullwhereCustomer": _fullwhere_customer_schema()}},
    }


def mews_openapi(client: str) -> dict[str, Any]:
    """`customers/getAll` as an OpenAPI 3 document.

    Mews takes its credentials in every JSON body; they are the body's defaults here, which
    GraphQL fills in, so the join's arguments need only the ids.
    """
    text = {"type": "string", "nullable": True}
    names = ["Id", "ChainId", "Number", "Title", "Sex", "FirstName", "LastName", "Email"]
    names += ["Phone", "NationalityCode", "LanguageCode", "BirthDate", "CreatedUtc", "UpdatedUtc"]
    guest: dict[str, Any] = {"type": "object", "properties": dict.fromkeys(names, text)}
    guest["properties"]["IsActive"] = {"type": "boolean"}
    guest["properties"]["Classifications"] = {"type": "array", "items": {"type": "string"}}
    limitation = {
        "type": "object",
        "title": "MewsLimitation",
        "properties": {"Count": {"type": "integer", "default": 1000}, "Cursor": {"type": "string"}},
    }
    extent = {
        "type": "object",
        "title": "MewsExtent",
        "properties": {"Customers": {"type": "boolean", "default": True}},
    }
    body = {
        "type": "object",
        "title": "MewsGetAllBody",
        "properties": {
            "ClientToken": {"type": "string", "default": DEMO_CLIENT_TOKEN},
            "AccessToken": {"type": "string", "default": DEMO_ACCESS_TOKEN},
            "Client": {"type": "string", "default": client},
            "CustomerIds": {"type": "array", "items": {"type": "string"}},
            "Extent": {**extent, "default": {"Customers": True}},
            "Limitation": {**limitation, "default": {"Count": 1000}},
        },
    }
    page = {
        "type": "object",
        "title": "MewsCustomerPage",
        "properties": {
            "Customers": {"type": "array", "items": {"$ref": "#/components/schemas/MewsCustomer"}},
            "Cursor": text,
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Mews Connector API (customers/getAll)", "version": "1"},
        "paths": {
            "/api/connector/v1/customers/getAll": {
                "post": {
                    "operationId": "mewsCustomersGetAll",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": body}},
                    },
                    "responses": {"200": _json_response("Customers", page)},
                }
            }
        },
        "components": {"schemas": {"MewsCustomer": guest}},
    }


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def compose(mesh: MeshInstall, sandbox_url: str, workdir: Path) -> Path:
    """Write the OpenAPI documents and compose the supergraph; returns its path.

    Raises:
        RuntimeError: composition failed; Mesh's output is in the message.
    """
    docs = workdir / "mesh-openapi"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "fullwhere.json").write_text(json.dumps(fullwhere_openapi()))
    (docs / "mews.json").write_text(json.dumps(mews_openapi("bench-mesh-peer")))
    config = mesh.folder / "mesh.config.ts"
    shutil.copyfile(HERE / "mesh.config.ts", config)
    supergraph = workdir / "supergraph.graphql"
    env = {
        **os.environ,
        "BENCH_SANDBOX_URL": sandbox_url,
        "BENCH_OPENAPI_DIR": str(docs),
        "BENCH_FULLWHERE_KEY": FULLWHERE_KEY,
        "BENCH_FULLWHERE_SECRET": FULLWHERE_SECRET,
    }
    finished = subprocess.run(
        [str(mesh.compose), "--config-path", str(config), "--output", str(supergraph)],
        cwd=mesh.folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMPOSE_TIMEOUT,
        check=False,
    )
    if finished.returncode != 0 or not supergraph.exists():
        output = (finished.stdout + finished.stderr)[-3000:]
        raise RuntimeError(f"mesh-compose failed ({finished.returncode}):\n{output}")
    return supergraph


def serve_argv(mesh: MeshInstall, supergraph: Path, host: str, port: int) -> list[str]:
    """Hive Gateway serving the supergraph: one process, no response cache."""
    return [
        str(mesh.gateway),
        "supergraph",
        str(supergraph),
        "--host",
        host,
        "--port",
        str(port),
    ]


def same_data(
    ours: dict[str, Any], theirs: dict[str, Any], customers: list[dict[str, Any]]
) -> tuple[int, int, list[str]]:
    """Compare the page answers: (customers equal, linked only through metadata, differences).

    `customers` are the sandbox's Fullwhere records of the page, by which a difference is
    explained as the metadata-only link Mesh cannot follow or reported as a real one.
    """
    mine = {
        edge["node"]["id"].split(":", 1)[1]: edge["node"]
        for edge in ours["data"]["customers"]["edges"]
    }
    records = {record["id"]: record for record in customers}
    equal, metadata_only, differences = 0, 0, []
    for item in theirs["data"]["fullwhereCustomers"]["items"]:
        node = mine.get(item["id"])
        if node is None:
            differences.append(f"{item['id']}: missing from the gateway's page")
            continue
        mesh_mews = (item.get("mews") or {}).get("FirstName")
        our_mews = (node.get("mews") or {}).get("firstName")
        record = records.get(item["id"], {})
        if node["fullwhere"]["firstName"] == item["firstName"] and our_mews == mesh_mews:
            equal += 1
        elif mesh_mews is None and not record.get("mewsId") and mews_link(record) is not None:
            metadata_only += 1
        else:
            differences.append(f"{item['id']}: gateway {node!r} vs mesh {item!r}")
    return equal, metadata_only, differences

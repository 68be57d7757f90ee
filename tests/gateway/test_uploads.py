"""attachCustomerFile: GraphQL multipart uploads (with the spec's CSRF rule) and inline base64,
and every refusal made before anything reaches Mews."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import orjson
import pytest

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from tests.conftest import Gateway, gateway_with

PDF = b"%PDF-1.0\n1 0 obj<</Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PREFLIGHT = {"GraphQL-Require-Preflight": "1"}

ATTACH = """
mutation($input: AttachCustomerFileInput!) {
  attachCustomerFile(input: $input) { fileId customerId mewsCustomerId name type size }
}"""

UPLOAD = """
mutation($file: Upload!, $id: ID!) {
  attachCustomerFile(input: {customerId: $id, file: $file}) {
    fileId customerId mewsCustomerId name type size
  }
}"""


def _guest(world: World) -> str:
    return str(next(m["Id"] for m in world.mews_customers if m.get("IsActive")))


async def upload(
    gateway: Gateway,
    customer_id: str,
    content: bytes,
    *,
    filename: str = "passport.pdf",
    content_type: str = "application/pdf",
    headers: dict[str, str] | None = PREFLIGHT,
    query: str = UPLOAD,
    map_: dict[str, list[str]] | None = None,
) -> httpx.Response:
    operations = {"query": query, "variables": {"file": None, "id": customer_id}}
    return await gateway.http.post(
        "/graphql",
        headers=headers or {},
        data={
            "operations": orjson.dumps(operations).decode(),
            "map": orjson.dumps(map_ or {"0": ["variables.file"]}).decode(),
        },
        files={"0": (filename, content, content_type)},
    )


def refusal(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert isinstance(error, dict)
    return error


# --- multipart ------------------------------------------------------------------------------


async def test_multipart_upload_attaches_the_file(gateway: Gateway, world: World) -> None:
    guest = _guest(world)
    response = await upload(gateway, f"mews:{guest}", PDF)
    assert response.status_code == 200, response.text
    payload = response.json()["data"]["attachCustomerFile"]
    assert payload["customerId"] == f"mews:{guest}"
    assert (payload["mewsCustomerId"], payload["name"], payload["type"], payload["size"]) == (
        guest,
        "passport.pdf",
        "application/pdf",
        len(PDF),
    )
    (stored,) = gateway.sandboxes.mews.files
    assert stored["FileId"] == payload["fileId"]
    assert (stored["CustomerId"], stored["Data"], stored["Type"]) == (guest, PDF, "application/pdf")
    assert gateway.calls() == {"mews:customers/addFile": 1}


@pytest.mark.parametrize(
    "header", ["GraphQL-Require-Preflight", "Apollo-Require-Preflight", "x-apollo-operation-name"]
)
async def test_each_preflight_header_is_accepted(
    gateway: Gateway, world: World, header: str
) -> None:
    response = await upload(
        gateway,
        f"mews:{_guest(world)}",
        PNG,
        filename="a.png",
        content_type="image/png",
        headers={header: "attach"},
    )
    assert response.json()["data"]["attachCustomerFile"]["type"] == "image/png"


async def test_multipart_without_a_preflight_header_is_refused(
    gateway: Gateway, world: World
) -> None:
    response = await upload(gateway, f"mews:{_guest(world)}", PDF, headers={})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert "GraphQL-Require-Preflight" in error["message"]
    assert "data" not in response.json()
    assert gateway.calls() == {}


async def test_a_file_for_a_linked_fullwhere_customer_goes_to_its_guest(
    gateway: Gateway, world: World
) -> None:
    fw, mews = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    response = await upload(gateway, f"fullwhere:{fw['id']}", PDF)
    payload = response.json()["data"]["attachCustomerFile"]
    assert payload["mewsCustomerId"] == mews["Id"]
    assert gateway.sandboxes.mews.files[0]["CustomerId"] == mews["Id"]


async def test_wrong_magic_number_is_refused(gateway: Gateway, world: World) -> None:
    response = await upload(
        gateway, f"mews:{_guest(world)}", PDF, filename="photo.png", content_type="image/png"
    )
    error = refusal(response)
    assert error["extensions"]["problems"][0]["path"] == "input.file"
    assert "not image/png" in error["message"] and "application/pdf" in error["message"]
    assert gateway.calls() == {}


async def test_empty_file_is_refused(gateway: Gateway, world: World) -> None:
    error = refusal(await upload(gateway, f"mews:{_guest(world)}", b""))
    assert "empty" in error["message"]
    assert gateway.calls() == {}


async def test_disallowed_type_is_refused(gateway: Gateway, world: World) -> None:
    error = refusal(
        await upload(
            gateway, f"mews:{_guest(world)}", b"hello", filename="a.txt", content_type="text/plain"
        )
    )
    assert error["extensions"]["problems"][0]["path"] == "input.type"
    assert "text/plain" in error["message"] and "image/tiff" in error["message"]
    assert gateway.calls() == {}


async def test_file_over_the_size_limit_is_refused(sandboxes: Sandboxes, world: World) -> None:
    env = {"MAX_UPLOAD_BYTES": "64", "GATEWAY_MAX_BODY_BYTES": "100000"}
    async with gateway_with(sandboxes, env) as gateway:
        error = refusal(await upload(gateway, f"mews:{_guest(world)}", PDF + b"x" * 64))
        assert "larger than the limit of 64 bytes" in error["message"]
        inline = await gateway.post(
            ATTACH,
            {
                "input": {
                    "customerId": f"mews:{_guest(world)}",
                    "name": "a.pdf",
                    "type": "application/pdf",
                    "data": base64.b64encode(PDF + b"x" * 64).decode(),
                }
            },
        )
        assert "larger than the limit of 64 bytes" in inline["errors"][0]["message"]
        # Past the body limit plus the upload limit, the body is not even read to the end.
        huge = await upload(gateway, f"mews:{_guest(world)}", PDF + b"x" * (200 * 1024))
        assert huge.status_code == 413
        assert "exceeds the limit of 100064 bytes" in huge.json()["errors"][0]["message"]
        assert gateway.calls() == {}


async def test_bad_multipart_requests_are_400(gateway: Gateway, world: World) -> None:
    guest = f"mews:{_guest(world)}"
    response = await upload(gateway, guest, PDF, map_={"0": ["query"]})
    assert response.status_code == 400 and "variables" in response.json()["errors"][0]["message"]
    response = await upload(gateway, guest, PDF, map_={"1": ["variables.file"]})
    assert response.status_code == 400 and "'1'" in response.json()["errors"][0]["message"]
    response = await gateway.http.post(
        "/graphql",
        headers=PREFLIGHT,
        data={"operations": "{", "map": "{}"},
        files={"0": ("a.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 400
    assert gateway.calls() == {}


# --- inline base64 -------------------------------------------------------------------------


async def test_inline_base64_attaches_the_file(gateway: Gateway, world: World) -> None:
    guest = _guest(world)
    data = await gateway.data(
        ATTACH,
        {
            "input": {
                "customerId": f"mews:{guest}",
                "name": "scan.png",
                "type": "image/png",
                "data": base64.b64encode(PNG).decode(),
            }
        },
    )
    payload = data["attachCustomerFile"]
    assert (payload["name"], payload["type"]) == ("scan.png", "image/png")
    assert payload["size"] == len(PNG)
    assert gateway.sandboxes.mews.files[0]["Data"] == PNG


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        (
            {"name": "a.pdf", "type": "application/pdf", "data": "%%% not base64 %%%"},
            "not valid base64",
        ),
        ({"name": "a.pdf", "type": "application/pdf", "data": ""}, "empty"),
        ({"name": "a.pdf", "data": base64.b64encode(PDF).decode()}, "input.type: required"),
        (
            {"name": "a.gif", "type": "image/gif", "data": base64.b64encode(PNG).decode()},
            "not image/gif",
        ),
        (
            {
                "name": "a.pdf",
                "type": "application/pdf",
                "file": "JVBERi0=",
                "data": base64.b64encode(PDF).decode(),
            },
            "not both",
        ),
        ({"name": "a.pdf", "type": "application/pdf"}, "give the file"),
        ({"type": "application/pdf", "file": "JVBERi0="}, "multipart upload"),
    ],
)
async def test_inline_refusals_cost_no_call(
    gateway: Gateway, world: World, fields: dict[str, Any], fragment: str
) -> None:
    customer = {"customerId": f"mews:{_guest(world)}"}
    result = await gateway.post(ATTACH, {"input": {**customer, **fields}})
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert fragment in error["message"]
    assert gateway.calls() == {}


async def test_a_mews_refusal_of_the_customer_is_bad_user_input(gateway: Gateway) -> None:
    result = await gateway.post(
        ATTACH,
        {
            "input": {
                "customerId": "mews:00000000-0000-4000-8000-000000000000",
                "name": "a.pdf",
                "type": "application/pdf",
                "data": base64.b64encode(PDF).decode(),
            }
        },
    )
    (error,) = result["errors"]
    assert error["extensions"] | {"upstreamRequestId": None} == {
        "code": "BAD_USER_INPUT",
        "source": "mews",
        "upstreamStatus": 400,
        "upstreamRequestId": None,
        "mayHaveBeenApplied": False,
    }


# --- file names -----------------------------------------------------------------------------

PDF_DATA = base64.b64encode(PDF).decode()
PNG_DATA = base64.b64encode(PNG).decode()


@pytest.mark.parametrize(
    ("name", "mime_type", "data", "fragment"),
    [
        ("evil.exe", "application/pdf", PDF_DATA, "`.exe` is not an extension of application/pdf"),
        ("passport.pdf", "image/png", PNG_DATA, "`.pdf` is not an extension of image/png"),
        ("../../etc/passport.pdf", "application/pdf", PDF_DATA, "path separator"),
        ("scans\\passport.pdf", "application/pdf", PDF_DATA, "path separator"),
        ("pass\x00port.pdf", "application/pdf", PDF_DATA, "control character"),
        ("pass\nport.pdf", "application/pdf", PDF_DATA, "control character"),
        ("cv\u202efdp.exe", "application/pdf", PDF_DATA, "control character"),  # shows "cvexe.pdf"
    ],
)
async def test_a_file_name_that_lies_about_the_file_is_refused_without_a_call(
    gateway: Gateway, world: World, name: str, mime_type: str, data: str, fragment: str
) -> None:
    fields = {"name": name, "type": mime_type, "data": data}
    result = await gateway.post(
        ATTACH, {"input": {"customerId": f"mews:{_guest(world)}", **fields}}
    )
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert fragment in error["message"]
    assert "input.name" in error["message"]
    assert gateway.calls() == {}


@pytest.mark.parametrize(
    ("name", "mime_type", "data", "stored"),
    [
        ("passport", "application/pdf", PDF_DATA, "passport.pdf"),
        ("scan.PNG", "image/png", PNG_DATA, "scan.PNG"),
        ("photo.jpg", "image/png", PNG_DATA, None),
    ],
)
async def test_a_name_takes_the_verified_types_extension_when_it_has_none(
    gateway: Gateway, world: World, name: str, mime_type: str, data: str, stored: str | None
) -> None:
    fields = {"name": name, "type": mime_type, "data": data}
    result = await gateway.post(
        ATTACH, {"input": {"customerId": f"mews:{_guest(world)}", **fields}}
    )
    if stored is None:
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert gateway.sandboxes.mews.files == []
        return
    assert result["data"]["attachCustomerFile"]["name"] == stored
    assert gateway.sandboxes.mews.files[-1]["Name"] == stored


async def test_a_multipart_file_name_with_a_path_is_refused(gateway: Gateway, world: World) -> None:
    response = await upload(gateway, f"mews:{_guest(world)}", PDF, filename="../../scans/a.pdf")
    assert "path separator" in refusal(response)["message"]
    assert gateway.calls() == {}

"""Who is to blame for an upstream's 400: the gateway composed the request, so the refusal is
an `UPSTREAM_ERROR` carrying the upstream's reason; only a value the client sent verbatim
(a `mews:` id it gave) makes it `BAD_USER_INPUT`."""

from __future__ import annotations

import base64

import orjson

from gateway.sandbox.demo import Sandboxes
from gateway.sandbox.world import World, linked_pairs
from tests.conftest import gateway_with
from tests.resilience.conftest import FAST

NEWEST = "{ mewsCustomers(first: 3) { edges { node { id } } } }"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


async def test_a_strict_mews_refusing_the_gateways_own_filter_is_an_upstream_error(
    sandboxes: Sandboxes,
) -> None:
    # The client gave no filter; the gateway chose `ActivityStates`, which a strict reading
    # of the docs refuses.
    sandboxes.mews.require_customer_ids = True
    async with gateway_with(sandboxes, FAST) as gateway:
        result = await gateway.post(NEWEST)
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    assert error["extensions"]["upstreamStatus"] == 400
    assert "Missing CustomerIds" in error["message"]


async def test_a_fullwhere_400_on_a_read_is_an_upstream_error_with_its_reason(
    sandboxes: Sandboxes, world: World
) -> None:
    body = {"statusCode": 400, "message": ["limit must not be greater than 100"]}
    sandboxes.fullwhere.control.fail_next("list", status=400, body=orjson.dumps(body))
    async with gateway_with(sandboxes, FAST) as gateway:
        result = await gateway.post("{ customers(first: 3) { edges { node { id } } } }")
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    assert error["extensions"]["source"] == "fullwhere"
    assert "limit must not be greater than 100" in error["message"]


async def test_a_mews_400_on_a_write_the_gateway_composed_is_an_upstream_error(
    sandboxes: Sandboxes,
) -> None:
    body = {"Message": "Invalid Options.", "RequestId": "r-1"}
    sandboxes.mews.control.fail_next("customers/add", status=400, body=orjson.dumps(body))
    async with gateway_with(sandboxes, FAST) as gateway:
        result = await gateway.post(
            'mutation { addCustomer(input: {lastName: "Blame"}) { customer { id } } }'
        )
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_ERROR"
    assert error["extensions"]["mayHaveBeenApplied"] is False
    assert "Invalid Options." in error["message"]


ATTACH = """mutation($input: AttachCustomerFileInput!) {
  attachCustomerFile(input: $input) { fileId } }"""


async def test_a_400_on_a_guest_id_the_client_gave_is_bad_user_input_not_on_a_linked_one(
    sandboxes: Sandboxes, world: World
) -> None:
    fw, guest = next((fw, m) for fw, m in linked_pairs(world) if fw.get("mewsId"))
    data = base64.b64encode(PDF).decode()
    refusal = orjson.dumps({"Message": "Invalid CustomerId.", "RequestId": "r-2"})
    codes = {}
    async with gateway_with(sandboxes, FAST) as gateway:
        for given in (f"mews:{guest['Id']}", f"fullwhere:{fw['id']}"):
            sandboxes.mews.control.fail_next("customers/addFile", status=400, body=refusal)
            result = await gateway.post(
                ATTACH,
                {
                    "input": {
                        "customerId": given,
                        "name": "a.pdf",
                        "type": "application/pdf",
                        "data": data,
                    }
                },
            )
            (error,) = result["errors"]
            assert "Invalid CustomerId." in error["message"]
            codes[given.split(":")[0]] = error["extensions"]["code"]
    assert codes == {"mews": "BAD_USER_INPUT", "fullwhere": "UPSTREAM_ERROR"}

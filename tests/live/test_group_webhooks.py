"""Webhooks of a hotel group: a message is read with the token of its enterprise, learned
from that enterprise's first message (its guests looked up across the tokens)."""

from __future__ import annotations

from typing import Any

from gateway.sandbox.world import PROPERTY_CHAIN_IDS, World, as_group
from tests.live.support import SECRET, WEBHOOK
from tests.support.group import GroupGateway, group_gateway

LYON_ENTERPRISE = "3c1f0f7e-2b0a-4d4e-9c55-0a7b8c1d2e3f"


def _lyon_guests(world: World, count: int) -> list[dict[str, Any]]:
    lyon = PROPERTY_CHAIN_IDS["lyon"]
    found = [g for g in as_group(world).mews_customers if g["ChainId"] == lyon]
    assert len(found) >= count
    return found[:count]


async def _deliver(gateway: GroupGateway, guest_id: str) -> int:
    body = {
        "EnterpriseId": LYON_ENTERPRISE,
        "IntegrationId": "c8bee838-7fb1-4f4e-8fac-ac87008b2f90",
        "Events": [{"Discriminator": "CustomerUpdated", "Value": {"Id": guest_id}}],
    }
    response = await gateway.gateway.http.post(WEBHOOK, json=body)
    await gateway.app.state.inbox.idle()
    return response.status_code


async def test_a_group_s_webhook_is_read_with_its_enterprise_s_token_once_learned(
    world: World,
) -> None:
    first, second = _lyon_guests(world, 2)
    async with group_gateway(world, env={"MEWS_WEBHOOK_SECRET": SECRET}) as gateway:
        assert await _deliver(gateway, first["Id"]) == 202
        learned = [c for c in gateway.mews.of("customers/getAll") if c.status == 200]
        assert "lyon" in {c.token for c in learned}  # found across the tokens
        gateway.mews.calls.clear()
        assert await _deliver(gateway, second["Id"]) == 202
        calls = gateway.mews.of("customers/getAll")
        found = await gateway.data(
            "query($id: ID!) { customer(id: $id) { mews { property chainId } } }",
            {"id": f"mews:{second['Id']}"},
        )
    assert [(c.token, c.body["CustomerIds"]) for c in calls] == [("lyon", [second["Id"]])]
    assert found["customer"]["mews"] == {"property": "lyon", "chainId": second["ChainId"]}

"""Say when an answer came from an identity index that is still being built.

Until the first sync has finished, links come from what the gateway has read so far, and
lookups by email, phone or name see only the records indexed so far. A response whose
resolvers used the index then carries

    "extensions": {"identityIndex": {"complete": false, "phase": "mews",
                                     "fullwhereRecords": 300, "mewsRecords": 120, ...}}

Responses that did not use the index, or used a complete one, carry nothing: the common
case costs nothing.
"""

from __future__ import annotations

import time
from typing import Any

from strawberry.extensions import SchemaExtension

from gateway.errors import GatewayError


class IdentityIndexStatus(SchemaExtension):
    async def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        if not getattr(context, "identity_consulted", False):
            return {}
        try:
            state = await context.upstreams.identity.state()
        except GatewayError as exc:  # the shared store is away: links came from this process
            return {"identityIndex": {"complete": False, "status": "unavailable", "code": exc.code}}
        if state.complete:
            return {}
        return {"identityIndex": state.summary(time.time())}

"""Relay object identification: the `Node` interface.

A node id names a person: `fullwhere:<Fullwhere id>` or `mews:<Mews customer UUID>`, the two
forms `customer(id:)` takes. `Customer` and `MewsProfile` implement `Node`; `node(id:)`
answers with the unified `Customer`, exactly as `customer(id:)` does.
"""

from __future__ import annotations

import strawberry

NODE_ID_DESCRIPTION = (
    "Global id: `fullwhere:<Fullwhere id>` or `mews:<Mews customer UUID>`; `node(id:)` and "
    "`customer(id:)` take it."
)


@strawberry.interface(
    description=(
        "An object `node(id:)` can fetch again by its `id` (Relay object identification). "
        "Every id names a person, and `node(id:)` answers with the unified `Customer`, as "
        "`customer(id:)` does: a `MewsProfile` is found again as that customer's `mews`."
    )
)
class Node:
    @strawberry.field(description=NODE_ID_DESCRIPTION)
    def id(self) -> strawberry.ID:
        raise NotImplementedError  # every implementation resolves its own id

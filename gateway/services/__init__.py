"""What the gateway does with the data, beside GraphQL: joins, writes and idempotency.

Plain Python (no Strawberry, no graphql-core): the GraphQL layer calls these and turns what
they return into types.
"""

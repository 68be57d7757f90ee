"""Who is who across Fullwhere and Mews: the identity index, its keys, its sync and lock.

A service package of its own (beside `gateway.services`): plain Python over the upstream
clients and the shared store, no GraphQL."""

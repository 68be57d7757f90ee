"""Data access for one request: the loaders that batch and cache upstream reads, the read
cache, the request context and the view of both upstreams they share."""

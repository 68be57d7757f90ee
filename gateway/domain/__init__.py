"""Rules about customers that hold whatever the transport: plain Python, no GraphQL."""

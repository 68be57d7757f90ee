"""Who is who across Fullwhere and Mews: the identity index, its keys, its sync and lock."""

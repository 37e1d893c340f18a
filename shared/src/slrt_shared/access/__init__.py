"""Who is asking: identities from bearer tokens (OpenID Connect in production, a development key locally),
their role and region scope."""

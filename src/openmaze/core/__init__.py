"""Shared plumbing under every API package: the TVmaze error model, id and body parsing,
responses, route groups and the fast path, middleware, rate limits, mail, the OpenAPI
document, and `Scoped`, the ownership choke point for user data. Imports no domain package."""

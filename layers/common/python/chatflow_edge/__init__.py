"""The HTTP edge of the chatflow domain, shared by every function like chatflow itself (the same
Lambda layer): what API Gateway events and HTTP answers look like, which chatflow never sees.

- `errors`: the edge's own refusals of a request, and the one table that gives every error, the
  domain's and the edge's, its HTTP status.
- `widget_api`: the public widget API's request parsing, rate limiting, JSON models and resolver.
"""

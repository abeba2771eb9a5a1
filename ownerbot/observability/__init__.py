"""Cross-cutting observability: correlation ids and structured, secret-free logs."""

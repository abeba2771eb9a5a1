"""The DEMO shop: generator, rollups and the provider that reads OwnerBot's own demo tables."""

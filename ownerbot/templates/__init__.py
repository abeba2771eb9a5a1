"""Templates: the catalog of business operations as YAML data (see spec.py and docs/templates.md)."""

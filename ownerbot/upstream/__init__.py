"""Where business data comes from: the DEMO shop in OwnerBot's database, or SIS over its HTTP contract."""

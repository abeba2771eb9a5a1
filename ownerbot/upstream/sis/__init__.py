"""SIS over its HTTP contract (`SIS_CONTRACT.md`): contract models, the pooled client, retries, breaker."""

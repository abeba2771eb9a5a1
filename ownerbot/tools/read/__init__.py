"""Read tools: never a side effect, never a confirm."""

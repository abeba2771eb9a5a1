"""Business value types shared by tools, providers and renderers: time windows, money."""

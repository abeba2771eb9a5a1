"""Charts (PNG, 1080 px wide) drawn with matplotlib's object API in memory."""

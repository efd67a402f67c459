"""X (Twitter) API v2 sources: ``x_mentions`` and ``x_search`` (tweepy is used in ``client`` only)."""

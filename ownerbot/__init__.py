"""OwnerBot: a Telegram assistant that gives a shop owner true reports and safe actions."""

__version__ = "0.1.0"

"""Configuration: environment variables parsed into one validated settings model."""

from ownerbot.config.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]

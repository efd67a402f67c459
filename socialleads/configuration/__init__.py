"""Campaign, source and sink files: YAML in ``config_dir``, validated; errors name the file, key and fix."""

from socialleads.configuration.loader import AppConfig, load_app_config
from socialleads.configuration.models import Campaign, RouteRule, SinkEntry, SourceEntry

__all__ = ["AppConfig", "Campaign", "RouteRule", "SinkEntry", "SourceEntry", "load_app_config"]

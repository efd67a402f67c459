"""socialleads: turns social-media activity into sales leads, with the reasons, exactly once."""

__version__ = "0.1.0"

"""The built-in ``csv`` source: lead lists dropped into a watched folder."""

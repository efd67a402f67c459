"""The Meta Graph API emulator: pages, lead forms, leads, feeds, Instagram, webhooks and errors."""

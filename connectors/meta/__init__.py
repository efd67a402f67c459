"""Meta connectors (Facebook Lead Ads, Page and Instagram comments) on facebook-sdk."""

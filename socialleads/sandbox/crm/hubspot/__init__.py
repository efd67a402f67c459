"""The HubSpot CRM v3 emulator."""

"""The Salesforce REST emulator."""

"""The HubSpot sink: upserts each lead as a HubSpot contact, with a note and, for top grades, a deal."""

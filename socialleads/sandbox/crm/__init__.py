"""The CRM emulators the sinks are tested and demonstrated against: HubSpot, Salesforce, Pipedrive."""

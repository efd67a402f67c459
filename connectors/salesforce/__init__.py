"""The Salesforce sink: each lead becomes a Salesforce Lead (upserted on an External ID field) and a
CampaignMember of its campaign, through simple-salesforce."""

"""The Pipedrive sink: each lead becomes a person (found by email or phone first), a lead in the
Leads Inbox labelled by grade, and a note with the lead card on every touch; plain REST, API v1."""

"""The webhook sink: POSTs each lead as signed JSON to any HTTP endpoint."""

"""Salesforce client: one HTTP session, token providers, Bulk API 2.0 ingest calls and describe."""

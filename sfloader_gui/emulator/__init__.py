"""A local Salesforce org: a Bulk API 2.0 emulator over HTTP, backed by SQLite."""

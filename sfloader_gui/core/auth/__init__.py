"""Logging in to Salesforce: OAuth web server flow + PKCE, refresh tokens, the sf CLI, legacy logins."""

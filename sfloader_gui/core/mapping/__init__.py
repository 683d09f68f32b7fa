"""Business files as they are: column mapping, value conversion, and the stream sent to Salesforce."""

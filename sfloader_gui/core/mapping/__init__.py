"""Business files as they are: column mapping, value conversion and the transformed stream sent to Salesforce."""

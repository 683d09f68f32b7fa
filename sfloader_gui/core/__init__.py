"""The Qt-free engine: Salesforce client, CSV handling and the load pipeline."""

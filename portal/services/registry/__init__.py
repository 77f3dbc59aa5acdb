"""The ML model registry: registering versions, stage changes, the scoped queries."""

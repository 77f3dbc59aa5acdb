"""The /plugins area."""

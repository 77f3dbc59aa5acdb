"""The /roles area."""

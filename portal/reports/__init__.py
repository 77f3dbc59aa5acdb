"""The /reports area."""

"""The /users area."""

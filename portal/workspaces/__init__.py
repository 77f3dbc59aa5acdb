"""The /workspaces area."""

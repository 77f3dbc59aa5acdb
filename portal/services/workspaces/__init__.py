"""Workspaces: who may do what in one, the scoped queries, and the changes."""

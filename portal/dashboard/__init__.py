"""The dashboard at /."""

"""The /account area."""

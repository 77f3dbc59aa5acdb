"""Business rules and audit records; services add and flush, the caller commits."""

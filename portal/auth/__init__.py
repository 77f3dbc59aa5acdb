"""Sign-in, sign-out and the per-request session check."""

"""Health endpoints and (later) the system pages."""

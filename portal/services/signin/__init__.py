"""Signing in: password and second factor, MFA, sessions, rate limits, the signed-in principal."""

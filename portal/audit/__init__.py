"""The /audit area: the trail browser (the audit API is portal/services/audit.py)."""

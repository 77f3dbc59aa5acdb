"""Plain helpers shared by the test modules (fixtures live in tests/conftest.py)."""

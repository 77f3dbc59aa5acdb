"""The ML model registry at /models (named so that portal.models stays unambiguous)."""

"""Benchmarks: data generators, the floor app and the scripts that print the tables."""

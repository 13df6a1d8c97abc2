"""Benchmarks: each starts the real app and a bare baseline, drives both from client processes
of their own on loopback, and prints its figures as one JSON object (see README.md)."""

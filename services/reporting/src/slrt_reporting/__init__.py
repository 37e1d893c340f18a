"""SLRT reporting service."""

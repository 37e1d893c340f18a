"""SLRT intake service."""

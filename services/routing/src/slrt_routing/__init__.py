"""SLRT routing service."""

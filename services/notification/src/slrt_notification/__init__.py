"""SLRT notification service."""

"""The ``slrt`` console script: run, serve, broker, demo, bench, replay."""

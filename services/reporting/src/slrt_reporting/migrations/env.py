from slrt_reporting.adapters.tables import metadata
from slrt_shared.db import run_migrations_online

run_migrations_online(metadata)

#!/usr/bin/env bash
# PostgreSQL's first start (/docker-entrypoint-initdb.d): one database per service, owned by the service's own
# LOGIN role; CONNECT and TEMPORARY are revoked from PUBLIC, so no other role (but a superuser) reaches it.
#
#   role          database            password from
#   intake        slrt_intake         SLRT_INTAKE_DB_PASSWORD
#   routing       slrt_routing        SLRT_ROUTING_DB_PASSWORD
#   notification  slrt_notification   SLRT_NOTIFICATION_DB_PASSWORD
#   reporting     slrt_reporting      SLRT_REPORTING_DB_PASSWORD
#
# The image runs it once, on an empty data directory. It can be run again to apply changed passwords:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-slrt.sh
set -Eeo pipefail
for service in intake routing notification reporting; do
  variable="SLRT_${service^^}_DB_PASSWORD"
  if [ -z "${!variable:-}" ]; then echo "postgres init: $variable is not set" >&2; exit 1; fi
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" \
    --dbname "${POSTGRES_DB:-postgres}" --set role="$service" --set database="slrt_$service" \
    --set password="${!variable}" <<'SQL'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')
\gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database')
\gexec
ALTER DATABASE :"database" OWNER TO :"role";
REVOKE CONNECT, TEMPORARY ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"database" TO :"role";
SQL
done

#!/bin/sh
# Runs once, when the PostgreSQL volume is created (docker-entrypoint-initdb.d). POSTGRES_USER owns the schema
# and is used only by the `migrate` service; the application connects as `alumusic_app`, which can read and
# write rows but not change the schema (no CREATE, DROP, ALTER, TRUNCATE) and is not a superuser.
set -eu
psql -v ON_ERROR_STOP=1 -v app_role=alumusic_app -v app_password="$APP_DB_PASSWORD" -v owner="$POSTGRES_USER" \
     --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f /docker-entrypoint-initdb.d/app-role.sql

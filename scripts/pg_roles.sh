#!/usr/bin/env bash
# Create the two PostgreSQL roles and the database Strongroom runs on (idempotent).
#
#   strongroom_owner  owns the tables, runs migrations, may create the test database
#   strongroom_app    the login role of web and workers: not the owner, no BYPASSRLS,
#                     so row-level security applies to every query it makes
#
# Run as a PostgreSQL superuser. PGHOST/PGPORT/PGUSER select the server (defaults:
# 127.0.0.1, 5432, postgres). Passwords are optional: set STRONGROOM_OWNER_PASSWORD and
# STRONGROOM_APP_PASSWORD where the server does not use trust or peer auth.
set -euo pipefail
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB="${STRONGROOM_DB:-strongroom}"
OWNER_PW="${STRONGROOM_OWNER_PASSWORD:-}"
APP_PW="${STRONGROOM_APP_PASSWORD:-}"

psql -v ON_ERROR_STOP=1 -q -d postgres \
  -v owner_pw="$OWNER_PW" -v app_pw="$APP_PW" <<'SQL'
SELECT 'CREATE ROLE strongroom_owner LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB NOCREATEROLE'
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'strongroom_owner') \gexec
SELECT 'CREATE ROLE strongroom_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'strongroom_app') \gexec
ALTER ROLE strongroom_owner NOSUPERUSER NOBYPASSRLS CREATEDB;
ALTER ROLE strongroom_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
SELECT format('ALTER ROLE strongroom_owner PASSWORD %L', :'owner_pw') WHERE :'owner_pw' <> '' \gexec
SELECT format('ALTER ROLE strongroom_app PASSWORD %L', :'app_pw') WHERE :'app_pw' <> '' \gexec
SQL

if ! psql -Atq -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  psql -v ON_ERROR_STOP=1 -q -d postgres -c "CREATE DATABASE \"$DB\" OWNER strongroom_owner"
fi
# PostgreSQL 15 no longer lets PUBLIC create in schema public; the owner owns it.
psql -v ON_ERROR_STOP=1 -q -d "$DB" -c "ALTER SCHEMA public OWNER TO strongroom_owner; REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
echo "PostgreSQL roles strongroom_owner and strongroom_app ready; database $DB owned by strongroom_owner."

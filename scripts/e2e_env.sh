# Sourced by the system-suite make targets: PostgreSQL and Redis for the end-to-end,
# visual and integration runs, unless the caller already chose (CI exports its own).
# Database strongroom_e2e (pytest creates test_strongroom_e2e), Redis databases 12 and 13.
export STRONGROOM_SYSTEM_SUITES=1
: "${E2E_DB:=strongroom_e2e}"
export DATABASE_URL="${E2E_DATABASE_URL:-postgres://strongroom_app@127.0.0.1:5432/$E2E_DB}"
export DATABASE_OWNER_URL="${E2E_DATABASE_OWNER_URL:-postgres://strongroom_owner@127.0.0.1:5432/$E2E_DB}"
export CELERY_BROKER_URL="${E2E_BROKER_URL:-redis://127.0.0.1:6379/12}"
export CACHE_URL="${E2E_CACHE_URL:-redis://127.0.0.1:6379/13}"
export REQUIRE_POSTGRES=1 REQUIRE_REDIS=1
export STRONGROOM_TEST_ARTIFACTS="${STRONGROOM_TEST_ARTIFACTS:-$PWD/var/test-artifacts}"

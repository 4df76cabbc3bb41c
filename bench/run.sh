#!/usr/bin/env bash
# `make bench`: seed the bench database, time the pages, load-test gunicorn with the floors side
# by side, profile a move, and inject faults; results in bench/results/ (see docs/PERFORMANCE.md).
# Loopback only; every run is bounded in time. PostgreSQL is never stopped here unless
# BENCH_POSTGRES_RESTART=1 (it is a shared server): `make bench-postgres-restart` does that.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SECONDS_PER_PHASE="${BENCH_SECONDS:-20}"

# What the benchmarks need beyond the project's own packages.
.venv/bin/pip install --quiet --disable-pip-version-check pyinstrument
if ! command -v pgbench >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then echo "pgbench is missing: apt-get install postgresql-contrib" >&2; exit 1; fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-contrib >/dev/null
fi
bash scripts/test-services.sh >/dev/null

# shellcheck source=bench/env.sh
. bench/env.sh
db=$(basename "$DATABASE_URL")
case "$db" in *_bench) ;; *) echo "the bench database name must end in _bench: $db" >&2; exit 1 ;; esac
psql_() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAc "$1"; }
[ "$(psql_ "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ] || psql_ "CREATE DATABASE $db"
mkdir -p bench/results

echo "== machine"; $PY -m bench.report --machine
echo "== seed";    $PY -m bench.seed
$PY manage.py collectstatic --noinput -v 0
echo "== server-side timings and query counts"; $PY -m bench.timings --repeat "${BENCH_REPEAT:-30}"
# The database floor runs pgbench against a copy, so its writes never touch the bench data.
psql_ "DROP DATABASE IF EXISTS ${db}_dbfloor"
psql_ "CREATE DATABASE ${db}_dbfloor TEMPLATE $db"
echo "== load"; $PY -m bench.load --seconds "$SECONDS_PER_PHASE"
psql_ "DROP DATABASE IF EXISTS ${db}_dbfloor"
echo "== profile"; $PY -m bench.profile
echo "== faults"
rm -f bench/results/faults.json
$PY -m bench.faults kill --seconds "$SECONDS_PER_PHASE"
$PY -m bench.faults disconnect
echo "== slow clients (gunicorn alone and behind deploy/nginx.conf)"; $PY -m bench.slow_clients
if [ "${BENCH_POSTGRES_RESTART:-0}" = 1 ]; then
    $PY -m bench.faults postgres --seconds "$SECONDS_PER_PHASE"
fi
echo "== sealing the journal (moves with sealing off, batch, commit; backfill; verify)"
$PY -m bench.sealing --seconds "$SECONDS_PER_PHASE"
$PY -m bench.report

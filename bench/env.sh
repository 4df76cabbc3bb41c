# Production settings for the benchmarks: sourced by bench/run.sh (and by hand: `. bench/env.sh`).
export DEBUG=false
export SECRET_KEY="${BENCH_SECRET_KEY:-bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG}"
export ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=false
export SECURE_COOKIES=false
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/releasemgmt_bench}"
# Gentle on the shared server (max_connections 100): sync workers hold one connection each.
export DB_POOL_MIN="${DB_POOL_MIN:-1}"
export DB_POOL_MAX="${DB_POOL_MAX:-4}"
export BENCH_FLOOR=1
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$(pwd)"

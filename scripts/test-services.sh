#!/usr/bin/env bash
# What the test suite needs besides Python packages: a running PostgreSQL server and
# Debian's Chromium. Starts or installs them when this machine lacks them; fails loudly.
set -euo pipefail

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    echo "PostgreSQL is not answering on 127.0.0.1:5432; starting it."
    version=$(ls /etc/postgresql | sort -n | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    pg_isready -h 127.0.0.1 -p 5432
fi

# The suite's database (pytest creates test_<name> beside it; `check` connects to it).
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'releasemgmt'" | grep -q 1; then
    createdb -h 127.0.0.1 -U postgres releasemgmt
fi

# Least privilege (docs/OPERATIONS.md): the owner role runs migrations, the application logs in
# as releasemgmt_app, which may add journal rows but never change or remove them.
# tests/test_least_privilege.py logs in as it.
for role in releasemgmt_owner releasemgmt_app; do
    if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$role'" | grep -q 1; then
        psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE ROLE $role LOGIN"
    fi
done
psql -h 127.0.0.1 -U postgres -d postgres -qc "ALTER ROLE releasemgmt_owner CREATEDB"

if ! command -v chromium >/dev/null 2>&1; then
    echo "Chromium is missing; installing Debian's package."
    if [ "$(id -u)" -ne 0 ]; then
        echo "Run as root or install it yourself: apt-get install chromium" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
chromium --version

# Debian's nginx (and openssl for a throwaway certificate): tests/test_deploy_nginx.py runs
# deploy/nginx.conf in front of gunicorn, on its own free loopback ports. A service that the
# package starts is not used; stopping it is the administrator's business.
if { ! command -v nginx && [ ! -x /usr/sbin/nginx ]; } >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
    echo "nginx or openssl is missing; installing Debian's packages."
    if [ "$(id -u)" -ne 0 ]; then
        echo "Run as root or install them yourself: apt-get install nginx openssl" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx openssl >/dev/null
fi
/usr/sbin/nginx -v

# The Nu HTML checker (tests/test_html_valid.py): vnu.jar from npm, pinned by package-lock.json,
# run on Debian's Java. --ignore-scripts: vnu-jar's postinstall would download a Java runtime.
if ! command -v java >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Java or npm is missing; installing Debian's packages."
    if [ "$(id -u)" -ne 0 ]; then
        echo "Run as root or install them yourself: apt-get install default-jre-headless npm" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless npm >/dev/null
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$root/node_modules/vnu-jar/build/dist/vnu.jar" ]; then
    (cd "$root" && npm ci --ignore-scripts --no-audit --no-fund)
fi
java -version 2>&1 | head -n 1

# GNU gettext: tests/test_translations.py extracts the marked strings (makemessages runs
# xgettext) and compiles the German catalogue (msgfmt) to prove both are complete and current.
if ! command -v xgettext >/dev/null 2>&1 || ! command -v msgfmt >/dev/null 2>&1; then
    echo "GNU gettext is missing; installing Debian's package."
    if [ "$(id -u)" -ne 0 ]; then
        echo "Run as root or install it yourself: apt-get install gettext" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
fi
msgfmt --version | head -n 1

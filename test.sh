#!/usr/bin/env bash
# test.sh: set up everything a fresh Debian machine needs, then run escarp's
# whole test suite.
#
#   ./test.sh                        all packages (go test -count=1 ./...)
#   ./test.sh -run TestX ./internal/config/   any go test arguments instead
#
# PostgreSQL: the store tests need one. When ESCARP_TEST_POSTGRES is already
# set it is used as is. Otherwise this script installs PostgreSQL with apt
# when it is missing, starts Debian's packaged cluster (15/main) with
# pg_ctlcluster (initdb refuses to run as root), creates a role and a
# database (idempotent) and exports
#   ESCARP_TEST_POSTGRES=postgres://escarp:escarp@127.0.0.1:5432/escarp_test?sslmode=disable
# If PostgreSQL cannot be started it says so loudly and runs the tests
# anyway: the PostgreSQL tests then skip with one line.
#
# Safe to run repeatedly, as root in CI (CI=true, no stdin), or as a user
# with passwordless sudo.
set -uo pipefail

cd "$(dirname "$0")" || exit 2

PG_WANT_VERSION=15
PG_CLUSTER=main
# The role, password and database the tests use (overridable, e.g. to keep
# two checkouts apart).
PG_USER=${ESCARP_TEST_PG_USER:-escarp}
PG_PASSWORD=${ESCARP_TEST_PG_PASSWORD:-escarp}
PG_DB=${ESCARP_TEST_PG_DB:-escarp_test}
export DEBIAN_FRONTEND=noninteractive

say() { printf 'test.sh: %s\n' "$*" >&2; }

loud() {
	printf '\n' >&2
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' >&2
	printf '!!! test.sh: %s\n' "$@" >&2
	printf '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n' >&2
}

# as_root runs a command as root: directly, or through passwordless sudo.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		say "need root for: $*"
		return 1
	fi
}

# as_postgres runs a command as the postgres system user, from a directory
# that user can read.
as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	elif [ "$(id -un)" = postgres ]; then
		(cd / && "$@")
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		(cd / && sudo -n -u postgres "$@")
	else
		say "need root or sudo to run as postgres: $*"
		return 1
	fi
}

# pg_version picks the installed server version: 15 when present, else the
# newest one installed.
pg_version() {
	if [ -x "/usr/lib/postgresql/$PG_WANT_VERSION/bin/postgres" ]; then
		echo "$PG_WANT_VERSION"
		return
	fi
	ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1
}

# pg_url is the URL the tests use, for a port.
pg_url() { echo "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$1/$PG_DB?sslmode=disable"; }

# pg_works reports whether the tests' URL already logs in (a repeated run,
# or a machine set up before): then nothing needs root.
pg_works() {
	command -v psql >/dev/null 2>&1 &&
		PGCONNECT_TIMEOUT=5 psql "$(pg_url "$1")" -qAtX -c 'SELECT 1' </dev/null >/dev/null 2>&1
}

setup_postgres() {
	local version port status i
	if pg_works 5432; then
		ESCARP_TEST_POSTGRES=$(pg_url 5432)
		export ESCARP_TEST_POSTGRES
		say "PostgreSQL already set up: ESCARP_TEST_POSTGRES=postgres://$PG_USER:***@127.0.0.1:5432/$PG_DB?sslmode=disable"
		return 0
	fi
	version=$(pg_version)
	if [ -z "$version" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
		say "PostgreSQL is not installed: installing it with apt-get"
		as_root apt-get update -qq </dev/null || return 1
		as_root apt-get install -y -qq postgresql </dev/null || return 1
		version=$(pg_version)
		[ -n "$version" ] || { say "apt-get installed no PostgreSQL server"; return 1; }
	fi
	if [ "$version" != "$PG_WANT_VERSION" ]; then
		say "PostgreSQL $PG_WANT_VERSION is not installed; using $version"
	fi
	if [ ! -f "/etc/postgresql/$version/$PG_CLUSTER/postgresql.conf" ]; then
		say "creating the cluster $version/$PG_CLUSTER"
		as_root pg_createcluster "$version" "$PG_CLUSTER" </dev/null || return 1
	fi
	status=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $4 }')
	if [ "$status" != online ]; then
		say "starting PostgreSQL $version/$PG_CLUSTER (pg_ctlcluster $version $PG_CLUSTER start)"
		as_root pg_ctlcluster "$version" "$PG_CLUSTER" start </dev/null || return 1
	fi
	port=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$PG_CLUSTER" '$1 == v && $2 == c { print $3 }')
	port=${port:-5432}
	for i in $(seq 1 30); do
		pg_isready -q -h 127.0.0.1 -p "$port" && break
		[ "$i" -eq 30 ] && { say "PostgreSQL does not accept connections on 127.0.0.1:$port"; return 1; }
		sleep 1
	done
	as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qAtX -d postgres >/dev/null <<-SQL || return 1
		DO \$\$
		BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
				CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
			ELSE
				ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
			END IF;
		END
		\$\$;
	SQL
	if ! as_postgres psql -p "$port" -qAtX -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" </dev/null | grep -q 1; then
		as_postgres createdb -p "$port" -O "$PG_USER" "$PG_DB" </dev/null || return 1
	fi
	ESCARP_TEST_POSTGRES=$(pg_url "$port")
	# Check the URL the tests will use: TCP on loopback, password auth.
	if ! PGCONNECT_TIMEOUT=10 psql "$ESCARP_TEST_POSTGRES" -qAtX -c 'SELECT 1' </dev/null >/dev/null; then
		say "cannot log in as $PG_USER on 127.0.0.1:$port"
		return 1
	fi
	export ESCARP_TEST_POSTGRES
	say "PostgreSQL $version ready: ESCARP_TEST_POSTGRES=postgres://$PG_USER:***@127.0.0.1:$port/$PG_DB?sslmode=disable"
}

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="$PATH:/usr/local/go/bin"
fi
if ! command -v go >/dev/null 2>&1; then
	loud "go is not installed (looked in PATH and /usr/local/go/bin)"
	exit 2
fi

if [ -n "${ESCARP_TEST_POSTGRES:-}" ]; then
	say "using ESCARP_TEST_POSTGRES from the environment"
elif ! setup_postgres; then
	unset ESCARP_TEST_POSTGRES
	loud "PostgreSQL could not be set up: the PostgreSQL tests will SKIP." \
		"Running every other test anyway. See the messages above."
fi

# Chromium: the browser tests (internal/browsertest) drive Debian's
# chromium headless. They skip with one line when it cannot be installed.
setup_chromium() {
	if command -v chromium >/dev/null 2>&1 || [ -n "${ESCARP_CHROMIUM:-}" ]; then
		return 0
	fi
	say "chromium is not installed: installing it with apt-get (for the browser tests)"
	as_root apt-get update -qq </dev/null || return 1
	as_root apt-get install -y -qq chromium </dev/null >/dev/null || return 1
}
if ! setup_chromium; then
	loud "chromium could not be installed: the browser tests will SKIP."
fi

if [ "$#" -eq 0 ]; then
	set -- ./...
fi
say "go test -count=1 -timeout 25m $*"
exec go test -count=1 -timeout 25m "$@" </dev/null

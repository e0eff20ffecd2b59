#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the Campaign Send ledger tests and prints its URL.
# - installs Debian's postgresql when no server binaries are found (needs root, as in CI);
# - creates a cluster in $MICRO_PG_DIR (default ${TMPDIR:-/tmp}/micro-pg) listening on 127.0.0.1:$MICRO_PG_PORT
#   (default 54329) only, owned by the 'postgres' system user;
# - creates role micro (password micro) and database micro_test;
# - idempotent: a server already answering on the port is reused.
# Usage: export MICRO_TEST_PG_URL="$(bash .ci/postgres.sh)"
# Everything but the URL goes to stderr.
set -euo pipefail

PORT="${MICRO_PG_PORT:-54329}"
DIR="${MICRO_PG_DIR:-${TMPDIR:-/tmp}/micro-pg}"
DB_USER=micro
DB_PASS=micro
DB_NAME=micro_test
URL="postgres://${DB_USER}:${DB_PASS}@127.0.0.1:${PORT}/${DB_NAME}"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

BINDIR="$(find_bindir || true)"
if [ -z "$BINDIR" ]; then
	log "installing postgresql from Debian"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq postgresql >&2
	BINDIR="$(find_bindir)"
fi

# Run server commands as an unprivileged user (PostgreSQL refuses to run as root).
RUN_AS=()
if [ "$(id -u)" = "0" ]; then
	id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
	if command -v runuser >/dev/null 2>&1; then RUN_AS=(runuser -u postgres --); else RUN_AS=(su postgres -s /bin/sh -c); fi
fi
as_pg() {
	if [ "${#RUN_AS[@]}" -eq 0 ]; then "$@"; return; fi
	if [ "${RUN_AS[0]}" = "runuser" ]; then "${RUN_AS[@]}" "$@"; else "${RUN_AS[@]}" "$(printf '%q ' "$@")"; fi
}

ready() { "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" >/dev/null 2>&1; }

if ! ready; then
	if [ ! -f "$DIR/PG_VERSION" ]; then
		log "initialising a cluster in $DIR"
		mkdir -p "$DIR"
		[ "$(id -u)" = "0" ] && chown postgres "$DIR"
		chmod 700 "$DIR"
		as_pg "$BINDIR/initdb" -D "$DIR" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
	fi
	log "starting the server on 127.0.0.1:$PORT"
	as_pg "$BINDIR/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
		-o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c max_connections=100 -c fsync=off" start >&2
fi
for _ in $(seq 1 60); do ready && break; sleep 0.5; done
ready || { log "server did not start"; tail -n 40 "$DIR/server.log" >&2 || true; exit 1; }

PSQL=("$BINDIR/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
if [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='${DB_USER}'")" != "1" ]; then
	"${PSQL[@]}" -c "CREATE ROLE ${DB_USER} LOGIN PASSWORD '${DB_PASS}'" >&2
fi
if [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_database WHERE datname='${DB_NAME}'")" != "1" ]; then
	"${PSQL[@]}" -c "CREATE DATABASE ${DB_NAME} OWNER ${DB_USER}" >&2
fi
log "ready"
echo "$URL"

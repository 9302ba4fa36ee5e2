#!/usr/bin/env bash
# ci/dogfood.sh: escarp gates itself. It builds escarp, runs `escarp code`
# over escarp's own source (SAST, dependencies against the OSV records of
# ../shared/corpus/osv when present, secrets in the tree and its history),
# which must find nothing high with the exclusions of escarp.yaml, then runs
# `escarp ci` (audit + scan) against the lab's secure twin, which must pass
# with the suppressions committed in .escarp/suppressions.yaml, and against
# the vulnerable lab, which must fail with exit 1 naming the planted flaws.
#
# Everything runs on loopback; the script starts and stops its own lab
# processes and removes its temporary directory. Usage: ci/dogfood.sh
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="$PATH:/usr/local/go/bin"
fi

work=$(mktemp -d)
lab_pid=""
cleanup() {
	if [ -n "$lab_pid" ]; then
		kill "$lab_pid" 2>/dev/null
		wait "$lab_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf 'dogfood: %s\n' "$*"; }
fail() {
	say "FAILED: $*"
	exit 1
}

say "building escarp"
go build -o "$work/escarp" ./cmd/escarp || fail "go build"
escarp="$work/escarp"

# free_port prints a loopback port nobody listens on.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

# start_lab MODE: runs the lab (MODE "--secure" or "") on a free loopback
# port and waits until it answers; sets $base.
start_lab() {
	local port
	port=$(free_port)
	base="http://127.0.0.1:$port"
	# shellcheck disable=SC2086
	"$escarp" lab $1 --addr "127.0.0.1:$port" >"$work/lab.log" 2>&1 &
	lab_pid=$!
	for _ in $(seq 1 100); do
		if curl -fsS -o /dev/null "$base/openapi.yaml" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	cat "$work/lab.log"
	fail "the lab did not start on $base"
}

stop_lab() {
	kill "$lab_pid" 2>/dev/null
	wait "$lab_pid" 2>/dev/null
	lab_pid=""
}

# run_ci MODE DIR: writes the spec and config of the lab into DIR and runs
# escarp ci there; prints its output and sets $rc.
run_ci() {
	local mode=$1 dir=$2
	mkdir -p "$dir"
	# shellcheck disable=SC2086
	"$escarp" lab spec $mode -o "$dir/openapi.yaml" || fail "escarp lab spec $mode"
	# shellcheck disable=SC2086
	"$escarp" lab config $mode --url "$base" -o "$dir/escarp.yaml" || fail "escarp lab config $mode"
	# The spec is the committed file, not the lab's URL, so findings point at it.
	sed -i 's#^spec: .*#spec: openapi.yaml#' "$dir/escarp.yaml"
	(cd "$dir" && timeout 300 "$escarp" ci --no-store --stages audit,scan \
		--suppressions "$root/.escarp/suppressions.yaml" --summary summary.md -o escarp.sarif \
		>stdout.txt 2>stderr.txt)
	rc=$?
	grep -v '^    new ' "$dir/stdout.txt"
	cat "$dir/stderr.txt"
}

say "escarp code over escarp itself (must find nothing high)"
code_args=(--no-store -o "$work/code.sarif")
if [ -d "$root/../shared/corpus/osv" ]; then
	code_args+=(--offline-db "$root/../shared/corpus/osv")
else
	say "../shared/corpus/osv is absent: dependencies are not checked"
	code_args+=(--engines sast,secrets)
fi
(cd "$root" && timeout 600 "$escarp" code "${code_args[@]}" >"$work/code.txt" 2>&1)
rc=$?
tail -n 3 "$work/code.txt"
if [ "$rc" -ne 0 ]; then
	grep -E '^(CRITICAL|HIGH) ' "$work/code.txt"
	fail "escarp code over escarp exited $rc, want 0"
fi
grep -q '"id": "escarp/code/"' "$work/code.sarif" || fail "escarp code wrote no SARIF run"

say "escarp ci against the secure twin (must pass)"
start_lab --secure
run_ci --secure "$work/secure"
stop_lab
[ "$rc" -eq 0 ] || fail "escarp ci against the secure twin exited $rc, want 0"
grep -q '"automationDetails"' "$work/secure/escarp.sarif" || fail "no SARIF written"

say "escarp ci against the vulnerable lab (must fail with exit 1)"
start_lab ""
run_ci "" "$work/vulnerable"
stop_lab
[ "$rc" -eq 1 ] || fail "escarp ci against the vulnerable lab exited $rc, want 1"
for want in "gate failed" "ESC-DAST-BOLA" "ESC-DAST-INJ-001" "ESC-DAST-AUTHN"; do
	grep -q -- "$want" "$work/vulnerable/stderr.txt" "$work/vulnerable/stdout.txt" ||
		fail "the failing gate does not name $want"
done
say "escarp audit of escarp serve's own API (score >= 90, nothing high)"
serve_port=$(free_port)
serve_token="esc_dogfood_$(date +%s)_0123456789"
ESCARP_SERVE_ADMIN_TOKEN="$serve_token" "$escarp" serve --listen "127.0.0.1:$serve_port" \
	--store "sqlite:$work/serve.db" --workers 0 --no-scheduler >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
for _ in $(seq 1 100); do
	grep -q '^listening http://' "$work/serve.out" 2>/dev/null && break
	sleep 0.1
done
serve_api="http://127.0.0.1:$serve_port/api/v1"
curl -fsS -H "Authorization: Bearer $serve_token" "$serve_api/openapi.json" -o "$work/serve-openapi.json"
curl_rc=$?
new_token() {
	curl -fsS -H "Authorization: Bearer $serve_token" -X POST "$serve_api/tokens" -d "{\"name\":\"$1\",\"role\":\"$1\"}" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'
}
viewer_token=$(new_token viewer)
editor_token=$(new_token editor)
if [ "$curl_rc" -ne 0 ] || [ -z "$viewer_token" ] || [ -z "$editor_token" ]; then
	kill -INT "$serve_pid" 2>/dev/null
	wait "$serve_pid" 2>/dev/null
	cat "$work/serve.err"
	fail "escarp serve did not serve its OpenAPI document or create tokens"
fi
"$escarp" audit --no-store --fail-on high --min-score 90 "$work/serve-openapi.json" >"$work/serve-audit.txt" 2>&1
rc=$?
tail -n 14 "$work/serve-audit.txt"
[ "$rc" -eq 0 ] || fail "escarp's audit of its own API exited $rc, want 0 (score >= 90, no high finding)"

say "escarp scan of escarp serve's own API as viewer, editor and admin (nothing medium or above)"
mkdir -p "$work/self"
cat >"$work/self/escarp.yaml" <<EOF
target: $serve_api
spec: $work/serve-openapi.json
identities:
  - name: viewer
    headers: {Authorization: "Bearer \${VIEWER_TOKEN}"}
  - name: editor
    headers: {Authorization: "Bearer \${EDITOR_TOKEN}"}
  - name: admin
    privileged: true
    headers: {Authorization: "Bearer \${ADMIN_TOKEN}"}
EOF
(cd "$work/self" && VIEWER_TOKEN=$viewer_token EDITOR_TOKEN=$editor_token ADMIN_TOKEN=$serve_token \
	timeout 300 "$escarp" scan --no-store --fail-on medium >scan.txt 2>&1)
rc=$?
kill -INT "$serve_pid" 2>/dev/null
wait "$serve_pid" 2>/dev/null
tail -n 3 "$work/self/scan.txt"
[ "$rc" -eq 0 ] || { cat "$work/self/scan.txt"; fail "escarp's scan of its own API exited $rc, want 0"; }
say "ok: the secure twin passes, the vulnerable lab fails naming its flaws, escarp serve's API audits clean"

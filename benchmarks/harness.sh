#!/usr/bin/env bash
# The load-test harness end to end, in one command:
#
#   benchmarks/harness.sh [--users 1000] [--organizations 100] [--memberships 3000] [--duration 10] [--warmup 3]
#                         [--concurrency 64] [--results DIR] [--skip-better-auth] [--skip-mix]
#
# It starts a private PostgreSQL 15 and nats-server (scripts/lib/servers.sh); creates Better Auth's tables with Better
# Auth's own migration (tests/js) in schema "harness" of a fresh database; fills them with `perms-loadtest generate
# --manifest`; adds the indexes `perms schema check` asks for, a SELECT-only role and a caller token
# (scripts/lib/demo.sh); starts a silo over it with the harness policy (src/LoadTest/harness-policy.json), subscribed
# to the nats-server; then runs
#   perms-loadtest run --scenario cold   one caller, each check activating a user grain (PostgreSQL load)
#   perms-loadtest compare   empty gRPC call, Perms warm, Perms fully_consistent and Better Auth's own hasPermission
#                            over HTTP (src/LoadTest/better-auth-server, a real better-auth 1.7.25 server over the same
#                            tables): max throughput, p99 at 50% of it, one-connection latency, and performance.md's
#                            ratios
#   perms-loadtest run --scenario mix   checks with role changes published on NATS
# writing JSON and HTML reports into the results directory it prints (default: a new directory under /tmp).
# Stops everything it started on exit. Record results with this exact command in docs/benchmarks.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

COMMAND="benchmarks/harness.sh $*"
USERS=1000 ORGANIZATIONS=100 MEMBERSHIPS=3000 DURATION=10 WARMUP=3 CONCURRENCY=64 RESULTS="" SKIP_BA="" SKIP_MIX=""
while (($#)); do
  case $1 in
    --users) USERS=$2; shift 2 ;;
    --organizations) ORGANIZATIONS=$2; shift 2 ;;
    --memberships) MEMBERSHIPS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --skip-better-auth) SKIP_BA=1; shift ;;
    --skip-mix) SKIP_MIX=1; shift ;;
    -h | --help) sed -n 2,18p "$0"; exit 0 ;;
    *) echo "harness.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for number in "$USERS" "$ORGANIZATIONS" "$MEMBERSHIPS" "$DURATION" "$WARMUP" "$CONCURRENCY"; do
  [[ $number =~ ^[0-9]+$ ]] || { echo "harness.sh: '$number' is not a whole number (durations are seconds)" >&2; exit 2; }
done

POLICY=$ROOT/src/LoadTest/harness-policy.json
[[ -f $POLICY ]] || { echo "harness.sh: $POLICY is missing" >&2; exit 1; }
if [[ -z $RESULTS ]]; then
  RESULTS=$(mktemp -d -p "${TMPDIR:-/tmp}" "perms-harness-$(date -u +%Y%m%dT%H%M%SZ).XXXX")
fi
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)

# shellcheck source=../scripts/lib/servers.sh
. "$ROOT/scripts/lib/servers.sh"
# shellcheck source=../scripts/lib/demo.sh
. "$ROOT/scripts/lib/demo.sh"
perms_demo_start_servers
perms_log "building Perms (Release)"
dotnet build Perms.sln -c Release --verbosity quiet -nologo -nodeReuse:false -p:UseSharedCompilation=false >"$RESULTS/build.log" 2>&1 \
  || { cat "$RESULTS/build.log" >&2; exit 1; }
LOADTEST=(dotnet "$ROOT/src/LoadTest/bin/Release/net10.0/Perms.LoadTest.dll")

perms_harness_prepare harness

PORT=$(perms_free_port)
# Warnings only: the silo's log must not compete with the load for the two cores.
perms_demo_start_silo "$PORT" Perms__Policy__Path="$POLICY" Perms__Auth__TokensPath="$DEMO/tokens" \
  Perms__Database__Schema="$SCHEMA" Perms__Events__SubjectPrefix=harness. Logging__LogLevel__Default=Warning \
  >"$RESULTS/silo.log" 2>&1 || { cat "$RESULTS/silo.log" >&2; exit 1; }

export PERMS_LOADTEST_TOKEN=$TOKEN
rc=0

# Cold checks first, while every grain is cold: one caller, user n at request n. Short enough not to wrap around the
# users (at about 4 cold checks per ms at most): the run would turn warm after that.
cold_ms=$((USERS / 4))
((cold_ms > DURATION * 1000)) && cold_ms=$((DURATION * 1000))
((cold_ms < 250)) && cold_ms=250
cold=(run --scenario cold --address "127.0.0.1:$PORT" --manifest "$MANIFEST" --mode closed --concurrency 1
  --duration "${cold_ms}ms" --warmup 0s --nats "$PERMS_TEST_NATS_URL" --nats-prefix harness.
  --json "$RESULTS/cold.json" --html "$RESULTS/cold.html")
perms_log "perms-loadtest ${cold[*]}"
"${LOADTEST[@]}" "${cold[@]}" | tee "$RESULTS/cold.txt" || rc=1

compare=(compare --address "127.0.0.1:$PORT" --manifest "$MANIFEST" --database "$DB_URL" --schema "$SCHEMA"
  --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP"
  --json "$RESULTS/compare.json" --html "$RESULTS/compare.html")
[[ -n $SKIP_BA ]] && compare+=(--skip-better-auth)
perms_log "perms-loadtest ${compare[*]}"
"${LOADTEST[@]}" "${compare[@]}" | tee "$RESULTS/compare.txt" || rc=1

if [[ -z $SKIP_MIX ]]; then
  mix=(run --scenario mix --address "127.0.0.1:$PORT" --manifest "$MANIFEST" --database "$DB_CONNECTION"
    --nats "$PERMS_TEST_NATS_URL" --nats-prefix harness. --concurrency "$CONCURRENCY" --duration "$DURATION"
    --warmup "$WARMUP" --json "$RESULTS/mix.json" --html "$RESULTS/mix.html")
  perms_log "perms-loadtest ${mix[*]}"
  "${LOADTEST[@]}" "${mix[@]}" | tee "$RESULTS/mix.txt" || rc=1
fi

perms_log "results in $RESULTS (exact command: $COMMAND)"
exit "$rc"

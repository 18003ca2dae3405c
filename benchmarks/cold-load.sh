#!/usr/bin/env bash
# Cold loads of one user and one organization from a 1,000,000-user Better Auth dataset, against a point SELECT
# baseline measured in the same run. One command:
#
#   benchmarks/cold-load.sh [--users 1000000] [--organizations 100000] [--memberships 3000000] [--layout default|plural-snake|use-plural] [--samples 20000]
#
# It starts a private PostgreSQL 15 (scripts/lib/servers.sh), creates the Better Auth schema with Better Auth's own
# migration (tests/js), fills it with `perms-loadtest generate` (COPY), creates the indexes `perms schema check`
# asks for, runs the benchmark, and stops everything on exit.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

USERS=1000000 ORGANIZATIONS=100000 MEMBERSHIPS=3000000 LAYOUT=default SAMPLES=20000
while (($#)); do
  case $1 in
    --users) USERS=$2; shift 2 ;;
    --organizations) ORGANIZATIONS=$2; shift 2 ;;
    --memberships) MEMBERSHIPS=$2; shift 2 ;;
    --layout) LAYOUT=$2; shift 2 ;;
    --samples) SAMPLES=$2; shift 2 ;;
    -h | --help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "cold-load.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case $LAYOUT in
  default) PRESET=better-auth-default ;;
  plural-snake | use-plural) PRESET=$LAYOUT ;;
  *) echo "cold-load.sh: --layout must be default, plural-snake or use-plural" >&2; exit 2 ;;
esac

# shellcheck source=../scripts/lib/servers.sh
. "$ROOT/scripts/lib/servers.sh"
trap perms_stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
perms_install_missing
perms_start_postgres

SCHEMA=bench
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet build Perms.sln -c Release --verbosity quiet -nologo >/dev/null

echo "==> Better Auth schema ($LAYOUT) through Better Auth's migration"
(cd tests/js && node better-auth-differential.mjs --layout "$LAYOUT" --schema "$SCHEMA" --migrate-only >/dev/null)

echo "==> perms-loadtest generate: $USERS users, $ORGANIZATIONS organizations, $MEMBERSHIPS memberships"
dotnet src/LoadTest/bin/Release/net10.0/Perms.LoadTest.dll generate --connection "$PERMS_TEST_POSTGRES" --schema "$SCHEMA" \
  --layout "$PRESET" --users "$USERS" --organizations "$ORGANIZATIONS" --memberships "$MEMBERSHIPS" --replace

echo "==> indexes asked for by perms schema check"
# schema check exits 1 when it has findings; the DDL lines are what it asks for.
report=$(dotnet src/Silo/bin/Release/net10.0/Perms.Silo.dll schema check --Perms:Database:ConnectionString="$PERMS_TEST_POSTGRES" \
  --Perms:Database:Schema="$SCHEMA" --Perms:Database:Layout="$PRESET") || [[ $? == 1 ]]
ddl=$(grep '^CREATE INDEX' <<<"$report" || true)
if [[ -n $ddl ]]; then
  printf '%s\n' "$ddl"
  "$PERMS_TEST_PG_BIN/psql" -X -q "$PERMS_TEST_POSTGRES_URL" -v ON_ERROR_STOP=1 <<<"$ddl"
fi
"$PERMS_TEST_PG_BIN/psql" -X -q "$PERMS_TEST_POSTGRES_URL" -c "ANALYZE" >/dev/null

echo "==> cold-load benchmark"
dotnet benchmarks/Benchmarks/bin/Release/net10.0/Benchmarks.dll cold-load --connection "$PERMS_TEST_POSTGRES" \
  --schema "$SCHEMA" --layout "$PRESET" --samples "$SAMPLES"

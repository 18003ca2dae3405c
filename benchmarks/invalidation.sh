#!/usr/bin/env bash
# Publish → next check reflects the change, over ≥ 1,000 role changes, with a warm check and a fully_consistent
# check (PostgreSQL per call) measured in the same run as baselines. One command:
#
#   benchmarks/invalidation.sh [--changes 1000]
#
# It starts a private PostgreSQL 15 and nats-server (scripts/lib/servers.sh), the demo data made by Better Auth and a
# silo process over it (scripts/lib/demo.sh, as scripts/run-demo), then runs `Benchmarks invalidation`: an UPDATE of
# bob's role in acme, `member.role.changed` published with Perms' NATS client, CheckPermission over gRPC until the
# answer flips. Stops everything on exit.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CHANGES=1000
while (($#)); do
  case $1 in
    --changes) CHANGES=$2; shift 2 ;;
    -h | --help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "invalidation.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=../scripts/lib/servers.sh
. "$ROOT/scripts/lib/servers.sh"
# shellcheck source=../scripts/lib/demo.sh
. "$ROOT/scripts/lib/demo.sh"
perms_demo_start_servers
dotnet build Perms.sln -c Release --verbosity quiet -nologo >/dev/null

perms_demo_prepare
PORT=$(perms_free_port)
# Warnings only: the silo's log must not compete with the benchmark for the two cores.
perms_demo_start_silo "$PORT" Perms__Events__SubjectPrefix=bench. Logging__LogLevel__Default=Warning >"$PERMS_RUN_DIR/silo.log" 2>&1 \
  || { cat "$PERMS_RUN_DIR/silo.log" >&2; exit 1; }

echo "==> invalidation benchmark"
dotnet benchmarks/Benchmarks/bin/Release/net10.0/Benchmarks.dll invalidation --address "127.0.0.1:$PORT" --token "$TOKEN" \
  --database "$APP_CONNECTION" --nats "$PERMS_TEST_NATS_URL" --prefix bench. --ids "$DEMO/ids.json" --changes "$CHANGES"

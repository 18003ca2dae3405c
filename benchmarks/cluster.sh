#!/usr/bin/env bash
# What a check landing on a silo that does not hold the grain costs, in one command: a silo of an Orleans cluster of
# three against one silo alone, measured in the same run.
#
#   benchmarks/cluster.sh [--users 1000] [--organizations 100] [--memberships 3000] [--duration 10] [--warmup 15]
#                         [--concurrency 64] [--results DIR]
#
# It starts a private PostgreSQL 15 and nats-server (scripts/lib/servers.sh); creates Better Auth's tables with Better
# Auth's own migration (tests/js) in schema "harness" of a fresh database; fills them with `perms-loadtest generate
# --manifest`; adds the indexes `perms schema check` asks for, a SELECT-only role and a caller token
# (scripts/lib/demo.sh), as benchmarks/harness.sh does. Then, with the harness policy (src/LoadTest/harness-policy.json):
#   1. baseline: ONE silo alone (localhost clustering): `perms-loadtest run --scenario warm` with --concurrency callers
#      (closed loop), then one caller on one connection (sequential); the silo is stopped afterwards;
#   2. three silos joined by Orleans' membership on PostgreSQL (`perms cluster migrate`, schema perms_orleans of the same
#      database; placement by hash, Perms' default, so about two thirds of the users' grains live on the other two
#      silos): the same two runs against silo 1, which takes every call and sends two of three to another silo;
#   3. the baseline again on a fresh single silo, once the cluster is stopped.
# Every answer is judged against the manifest's ground truth: any wrong answer (or error) fails the script. It prints
# p50/p99 and throughput of each run and their ratios against the baseline (the mean of 1 and 3), and writes the table
# (summary.md), the JSON and HTML reports and the processes' logs into the results directory it prints (default: a new
# directory under /tmp). Client, silos, PostgreSQL and NATS share this machine's cores. Stops everything it started on
# exit. It also prints the CPU per check of each process (utime + stime from /proc/PID/stat, read at the end of the
# warm-up and at the end of the measured part, divided by the checks counted) and of the whole machine (/proc/stat).
# Record results with this exact command in docs/benchmarks.md, "A check on a silo that does not hold the grain".
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

COMMAND="benchmarks/cluster.sh $*"
USERS=1000 ORGANIZATIONS=100 MEMBERSHIPS=3000 DURATION=10 WARMUP=15 CONCURRENCY=64 RESULTS=""
while (($#)); do
  case $1 in
    --users | --organizations | --memberships | --duration | --warmup | --concurrency | --results)
      (($# >= 2)) || { echo "cluster.sh: $1 needs a value" >&2; exit 2; } ;;&
    --users) USERS=$2; shift 2 ;;
    --organizations) ORGANIZATIONS=$2; shift 2 ;;
    --memberships) MEMBERSHIPS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    -h | --help) sed -n 2,25p "$0"; exit 0 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for number in "$USERS" "$ORGANIZATIONS" "$MEMBERSHIPS" "$DURATION" "$WARMUP" "$CONCURRENCY"; do
  [[ $number =~ ^[0-9]+$ ]] || { echo "cluster.sh: '$number' is not a whole number (durations are seconds)" >&2; exit 2; }
done
for positive in USERS ORGANIZATIONS DURATION CONCURRENCY; do
  ((10#${!positive} > 0)) || { echo "cluster.sh: --${positive,,} must be at least 1" >&2; exit 2; }
done

POLICY=$ROOT/src/LoadTest/harness-policy.json
[[ -f $POLICY ]] || { echo "cluster.sh: $POLICY is missing" >&2; exit 1; }
if [[ -z $RESULTS ]]; then
  RESULTS=$(mktemp -d -p "${TMPDIR:-/tmp}" "perms-cluster-$(date -u +%Y%m%dT%H%M%SZ).XXXX")
fi
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)

# shellcheck source=../scripts/lib/servers.sh
. "$ROOT/scripts/lib/servers.sh"
# shellcheck source=../scripts/lib/demo.sh
. "$ROOT/scripts/lib/demo.sh"

# Every process this script starts (the silos), stopped on exit before the servers.
STARTED=()
# shellcheck disable=SC2317 # called by the EXIT trap
cluster_stop() {
  trap '' INT TERM
  local pid
  for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
  STARTED=()
  perms_demo_stop # also the silo perms_demo_start_silo was starting, if it failed
}
# stop_process PID: stops one process this script started and forgets it.
stop_process() {
  local pid=$1 kept=() p
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${STARTED[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
  STARTED=("${kept[@]}")
}

perms_demo_start_servers
trap cluster_stop EXIT
perms_log "building the silo and perms-loadtest (Release)"
for project in src/Silo/Silo.csproj src/LoadTest/LoadTest.csproj; do
  dotnet build "$project" -c Release --verbosity quiet -nologo -nodeReuse:false -p:UseSharedCompilation=false \
    >>"$RESULTS/build.log" 2>&1 || { cat "$RESULTS/build.log" >&2; exit 1; }
done
LOADTEST=(dotnet "$ROOT/src/LoadTest/bin/Release/net10.0/Perms.LoadTest.dll")

perms_harness_prepare cluster
export PERMS_LOADTEST_TOKEN=$TOKEN

# Settings of every silo. Warnings only: the logs must not compete with the load for the cores.
SILO_ENV=(Perms__Policy__Path="$POLICY" Perms__Auth__TokensPath="$DEMO/tokens" Perms__Database__Schema="$SCHEMA"
  Perms__Events__SubjectPrefix=harness. Logging__LogLevel__Default=Warning)
# Orleans' membership tables live in schema perms_orleans of the same database, written by the superuser (not the
# SELECT-only reader).
CLUSTER_ENV=(Perms__Orleans__Clustering=postgres Perms__Orleans__ConnectionString="$DB_CONNECTION"
  Perms__Orleans__AdvertisedAddress=127.0.0.1)

rc=0
# CPU per check: the processes measure reads, as NAME=PID (set before each measure), and the clock ticks per second.
CPU_PROCESSES=()
CLK_TCK=$(getconf CLK_TCK)
# cpu_snapshot: one line, "NAME TICKS" per process of CPU_PROCESSES (utime + stime, fields 14 and 15 of
# /proc/PID/stat, in clock ticks) then "machine TICKS" (all cores busy: user, nice, system, irq, softirq, steal of
# /proc/stat), space-separated. Bash builtins only: it runs while the load runs.
cpu_snapshot() {
  local entry stat fields line="" user nice system irq softirq steal
  for entry in "${CPU_PROCESSES[@]}"; do
    read -r stat <"/proc/${entry#*=}/stat" || { perms_err "${entry%%=*} (pid ${entry#*=}) is gone"; return 1; }
    read -ra fields <<<"${stat##*) }" # after the command name, which may hold spaces: fields[0] is field 3
    line+="${entry%%=*} $((fields[11] + fields[12])) "
  done
  read -r _ user nice system _ _ irq softirq steal _ </proc/stat
  echo "${line}machine $((user + nice + system + irq + softirq + steal))"
}
# cpu_marks FILE: passes perms-loadtest's merged output through (progress lines to standard error, the rest to standard
# output) and writes to FILE the CPU of CPU_PROCESSES at the end of the warm-up (its last progress line, "warm-up
# 3/3 s … | 0 s left"; at the start when there is no warm-up) and at the end of the measured part (the last
# "measuring … | 0 s left" line), one cpu_snapshot line each, so the CPU is that of the checks the report counts.
cpu_marks() {
  local file=$1 line before="" after=""
  ((10#$WARMUP > 0)) || before=$(cpu_snapshot)
  while IFS= read -r line; do
    case $line in
      *" | warm-up "*"| 0 s left") before=$(cpu_snapshot); echo "$line" >&2 ;;
      *" | measuring "*"| 0 s left") after=$(cpu_snapshot); echo "$line" >&2 ;;
      *" | warm-up "* | *" | measuring "*) echo "$line" >&2 ;;
      *) echo "$line" ;;
    esac
  done
  if [[ -n $before && -n $after ]]; then printf '%s\n%s\n' "$before" "$after" >"$file"; fi
}
# measure NAME ADDRESS: the warm scenario against ADDRESS, closed loop with $CONCURRENCY callers, then one caller on one
# connection. Reports NAME-loaded.{txt,json,html} and NAME-sequential.{…}, and NAME-KIND.cpu (see cpu_marks).
measure() {
  local name=$1 address=$2 kind args
  for kind in loaded sequential; do
    args=(run --scenario warm --address "$address" --manifest "$MANIFEST" --mode closed
      --duration "$DURATION" --warmup "$WARMUP" --json "$RESULTS/$name-$kind.json" --html "$RESULTS/$name-$kind.html")
    if [[ $kind == loaded ]]; then args+=(--concurrency "$CONCURRENCY"); else args+=(--concurrency 1 --connections 1); fi
    perms_log "$name: perms-loadtest ${args[*]}"
    { "${LOADTEST[@]}" "${args[@]}" | tee "$RESULTS/$name-$kind.txt"; } 2>&1 | cpu_marks "$RESULTS/$name-$kind.cpu" \
      || { perms_err "$name ($kind): perms-loadtest failed"; rc=1; }
  done
}

# check_pid NAME PID DLL: PID must be the dotnet process running DLL (the CPU read is that process's, not a shell's).
check_pid() {
  local cmdline
  cmdline=$(tr '\0' ' ' <"/proc/$2/cmdline") || { perms_err "$1: no process $2"; exit 1; }
  [[ $cmdline == *dotnet*"$3"* ]] || { perms_err "$1: pid $2 runs '$cmdline', not $3"; exit 1; }
}

# baseline NAME: one silo, no cluster settings at all, measured, then stopped.
baseline() {
  local port
  port=$(perms_free_port)
  perms_demo_start_silo "$port" "${SILO_ENV[@]}" Perms__Metrics__Port="$(perms_free_port)" >"$RESULTS/$1.log" 2>&1 || { cat "$RESULTS/$1.log" >&2; exit 1; }
  STARTED+=("$SILO_PID")
  check_pid silo "$SILO_PID" Perms.Silo.dll
  CPU_PROCESSES=("silo=$SILO_PID")
  measure "$1" "127.0.0.1:$port"
  stop_process "$SILO_PID"
}

# 1. Baseline: one silo alone.
baseline single

# 2. Three silos of one Orleans cluster; the load goes to silo 1.
perms_log "creating Orleans' membership tables (perms cluster migrate)"
dotnet "$ROOT/src/Silo/bin/Release/net10.0/Perms.Silo.dll" cluster migrate "--Perms:Orleans:ConnectionString=$DB_CONNECTION" \
  >>"$RESULTS/migrate.log" 2>&1 || { cat "$RESULTS/migrate.log" >&2; exit 1; }
SILO_PIDS=()
for n in 1 2 3; do
  port=$(perms_free_port)
  ((n == 1)) && SILO1_PORT=$port
  # Each process scrapes on a port of its own (the default 9464 would be taken by the first).
  perms_demo_start_silo "$port" "${SILO_ENV[@]}" "${CLUSTER_ENV[@]}" Perms__Metrics__Port="$(perms_free_port)" >"$RESULTS/silo$n.log" 2>&1 \
    || { cat "$RESULTS/silo$n.log" >&2; exit 1; }
  STARTED+=("$SILO_PID")
  SILO_PIDS+=("$SILO_PID")
  check_pid "silo $n" "$SILO_PID" Perms.Silo.dll
done
# The membership converges in about a second once the last silo has joined; the warm-up covers the rest.
sleep 2
CPU_PROCESSES=("silo1=${SILO_PIDS[0]}" "silo2=${SILO_PIDS[1]}" "silo3=${SILO_PIDS[2]}")

measure silo1 "127.0.0.1:$SILO1_PORT"
for pid in "${STARTED[@]}"; do stop_process "$pid"; done

# 3. The baseline again, on a fresh silo: the machine's load drifts (other work on the shared cores), and the ratios are
# taken against the mean of the baselines before and after.
baseline single-after

# The table: each run against the baseline of the same kind.
python3 - "$RESULTS" "$CONCURRENCY" "$(nproc)" "$(uptime | sed 's/.*load average: //')" "$COMMAND" "$CLK_TCK" \
  >"$RESULTS/summary.md" <<'PY' || rc=1
import json, sys
results, concurrency, cores, load, command, clk_tck = sys.argv[1:]
names = [("single", "one silo alone (baseline, before)"),
         ("silo1", "silo 1 of an Orleans cluster of 3 (≈ ⅔ of the grains on the others)"),
         ("single-after", "one silo alone (baseline, after)")]
kinds = [("loaded", f"{concurrency} callers"), ("sequential", "1 caller, 1 connection")]

def read(name, kind):
    try:
        with open(f"{results}/{name}-{kind}.json") as f:
            return json.load(f)["results"][-1]
    except (OSError, ValueError, KeyError, IndexError):
        return None

def lat(us):
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.0f} µs"

failed = False
notes = []
print(f"Command: `{command}`; {cores} cores shared by the load client, the silos, PostgreSQL and NATS "
      f"(load average at the end: {load}).\n")
print("| target | load | p50 | p99 | throughput | wrong / errors | p50 vs baseline | p99 vs baseline | throughput vs baseline |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for kind, load_name in kinds:
    rows = {name: read(name, kind) for name, _ in names}
    bases = [rows[n] for n in ("single", "single-after") if rows[n] is not None]
    base = None
    if bases:
        base = {"p50": sum(b["latency"]["p50"] for b in bases) / len(bases),
                "p99": sum(b["latency"]["p99"] for b in bases) / len(bases),
                "throughput": sum(b["throughput"] for b in bases) / len(bases)}
    if len(bases) == 2:
        drift = bases[1]["throughput"] / bases[0]["throughput"]
        if not 0.8 <= drift <= 1.25:
            notes.append(f"{load_name}: the baseline's throughput moved {drift:.2f}× between before and after "
                         "(other load on the machine, or warm-up effects): these ratios are rough.")
    for name, title in names:
        r = rows[name]
        if r is None:
            print(f"| {title} | {load_name} | — | — | — | no report | | | |"); failed = True; continue
        p50, p99, tput = r["latency"]["p50"], r["latency"]["p99"], r["throughput"]
        # A process still warming up (e.g. tiered JIT on busy cores) shows as throughput rising through the measured part.
        seconds = [t["completed"] for t in r.get("timeline", [])]
        half = len(seconds) // 2
        first, second = sum(seconds[:half]), sum(seconds[half:])
        if half and first and second > 1.25 * first:
            notes.append(f"{title}, {load_name}: throughput rose {second / first:.2f}× from "
                         "the first half of the measured part to the second (still warming up): try a longer --warmup.")
        wrong, errors = r["wrong"], r["errors"]
        failed |= wrong != 0 or errors != 0 or r["correct"] == 0
        ratios = "| — | — | — |" if base is None else (
            f"| {p50 / base['p50']:.2f}× | {p99 / base['p99']:.2f}× | {100 * tput / base['throughput']:.0f}% |")
        print(f"| {title} | {load_name} | {lat(p50)} | {lat(p99)} | {tput:,.0f}/s | {wrong} / {errors} {ratios}")
print()
print("Ratios are against the mean of the two baseline runs of the same load. They overstate the hop's cost against "
      "separate machines: here the other silos' CPU (answering the grain calls silo 1 sends them) comes out of the "
      "same cores as the client's and silo 1's.")
for note in notes:
    print(f"\nNote: {note}")

# CPU per check: each process's utime + stime over the measured part (cpu_marks), divided by the checks it counted.
def cpu(name, kind):
    try:
        with open(f"{results}/{name}-{kind}.cpu") as f:
            before, after = ([l.split() for l in f.read().split("\n")[:2]])
        before, after = dict(zip(before[::2], map(int, before[1::2]))), dict(zip(after[::2], map(int, after[1::2])))
        return {k: (after[k] - before[k]) * 1e6 / int(clk_tck) for k in before}
    except (OSError, ValueError, KeyError):
        return None

print(f"\nCPU per check (µs; utime + stime of each process from /proc/PID/stat over the measured part, clock tick "
      f"{1000 / int(clk_tck):.0f} ms; \"machine\" is all {cores} cores' busy time, the load client, PostgreSQL and NATS "
      "included):\n")
print("| target | load | checks | silo 1 | silo 2 | silo 3 | the three silos | one silo alone | machine |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for kind, load_name in kinds:
    for name, title in names:
        r, c = read(name, kind), cpu(name, kind)
        if r is None or c is None:
            print(f"| {title} | {load_name} | — | | | | | | |"); continue
        n = r["correct"] + r["wrong"] + r["errors"]
        per = {k: v / n for k, v in c.items()}
        cell = lambda k: f"{per[k]:.0f}" if k in per else ""
        both = f"{per['silo1'] + per['silo2'] + per['silo3']:.0f}" if "silo3" in per else ""
        print(f"| {title} | {load_name} | {n:,} | {cell('silo1')} | {cell('silo2')} | {cell('silo3')} | {both} "
              f"| {cell('silo')} | {cell('machine')} |")
sys.exit(1 if failed else 0)
PY
printf '\n' >&2
cat "$RESULTS/summary.md"
if ((rc)); then perms_err "wrong answers, errors or a failed run (see above and $RESULTS)"; fi
perms_log "results in $RESULTS (exact command: $COMMAND)"
exit "$rc"

# shellcheck shell=bash
# Private PostgreSQL 15 and nats-server for Perms' tests and local runs. Source it; do not run it.
#
#   perms_install_missing   apt-get install postgresql / nats-server / the Python gRPC client's packages when missing
#                           (apt-get update once, only then),
#                           npm ci in clients/*/ and tests/js/ whose node_modules is out of date
#   perms_start_postgres    initdb + start PostgreSQL 15 on a free 127.0.0.1 port (as the postgres user, fsync=off,
#                           scram-sha-256 password auth on TCP). Exports PERMS_TEST_POSTGRES, PERMS_TEST_POSTGRES_URL,
#                           PERMS_TEST_PG_BIN
#   perms_start_nats        start nats-server on a free 127.0.0.1 port. Exports PERMS_TEST_NATS_URL,
#                           PERMS_TEST_NATS_SERVER
#   perms_stop_all          stop both, remove the run directory. Idempotent: call it from a trap on EXIT INT TERM
#   perms_write_env_files   write $PERMS_RUN_DIR/env (the exports) and $PERMS_RUN_DIR/stop (stops this run's servers)
#
# Everything lives under one directory, $PERMS_RUN_DIR (mktemp -d, made on first use, owned by postgres).
# Needs root (apt-get, runuser). Progress and errors go to stderr; functions return non-zero on failure.

PERMS_ROOT=${PERMS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PERMS_PG_BIN=${PERMS_PG_BIN:-/usr/lib/postgresql/15/bin}
PERMS_RUN_DIR=""          # never taken from the environment: perms_stop_all deletes it
PERMS_PG_DATA=""
PERMS_NATS_PID=""
PERMS_NPM_FAILED=()       # directories whose npm ci failed (set by perms_install_node_modules)

perms_log() { printf '==> %s\n' "$*" >&2; }
perms_err() { printf 'error: %s\n' "$*" >&2; }

# Print a file to stderr, indented, for failures only.
perms_show_log() {
  local title=$1 file=$2
  printf -- '---- %s (%s) ----\n' "$title" "$file" >&2
  if [[ -f $file ]]; then tail -n "${3:-60}" "$file" | sed 's/^/    /' >&2; fi
  printf -- '---- end of %s ----\n' "$title" >&2
}

perms_make_run_dir() {
  if [[ -z $PERMS_RUN_DIR || ! -d $PERMS_RUN_DIR ]]; then
    PERMS_RUN_DIR=$(mktemp -d -p "${PERMS_TMPDIR:-/tmp}" perms.XXXXXX) || return 1
  fi
}

# A port the kernel says is free on 127.0.0.1 (a start that still loses the race is retried by the callers).
perms_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

perms_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

perms_nats_bin() {
  local b
  b=$(command -v nats-server 2>/dev/null) || b=/usr/sbin/nats-server
  [[ -x $b ]] || return 1
  readlink -f -- "$b"
}

perms_pg_installed() {
  [[ -x $PERMS_PG_BIN/initdb && -x $PERMS_PG_BIN/pg_ctl && -x $PERMS_PG_BIN/postgres && -x $PERMS_PG_BIN/pg_isready \
    && -x $PERMS_PG_BIN/psql ]] && id -u postgres >/dev/null 2>&1
}

# Directories that hold a Node package: clients/*/, tests/js/, demo/ and the load test's Better Auth server.
perms_node_dirs() {
  local d
  for d in "$PERMS_ROOT"/clients/*/ "$PERMS_ROOT"/tests/js/ "$PERMS_ROOT"/demo/ "$PERMS_ROOT"/src/LoadTest/better-auth-server/ "$PERMS_ROOT"/tests/k8s/; do
    [[ -f ${d}package.json ]] && printf '%s\n' "${d%/}"
  done
  return 0
}

perms_node_lock_dirs() {
  local d
  while IFS= read -r d; do
    [[ -f $d/package-lock.json ]] && printf '%s\n' "$d"
  done < <(perms_node_dirs)
  return 0
}

# The Python side of the interop tests (tests/python/interop.py) runs on Debian's own interpreter, /usr/bin/python3
# (not a pyenv or venv python first on PATH), with Debian's grpcio and protobuf, and Debian's protoc.
perms_python_grpc_installed() { /usr/bin/python3 -c 'import grpc' >/dev/null 2>&1; }
perms_python_protobuf_installed() { /usr/bin/python3 -c 'import google.protobuf' >/dev/null 2>&1; }
perms_protoc_installed() { [[ -x /usr/bin/protoc ]]; }

# Debian packages: postgresql (15 on Debian 12), nats-server, python3-grpcio, python3-protobuf and protobuf-compiler
# (the interop tests' Python client), and nodejs/npm only if a Node package needs them and npm is absent. Nothing is
# installed, and apt-get update is not run, when all is there.
perms_install_packages() {
  local -a pkgs=()
  perms_pg_installed || pkgs+=(postgresql)
  perms_nats_bin >/dev/null || pkgs+=(nats-server)
  perms_python_grpc_installed || pkgs+=(python3-grpcio)
  perms_python_protobuf_installed || pkgs+=(python3-protobuf)
  perms_protoc_installed || pkgs+=(protobuf-compiler)
  if [[ -n $(perms_node_lock_dirs) ]] && ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi
  ((${#pkgs[@]})) || return 0

  perms_make_run_dir || return 1
  local log=$PERMS_RUN_DIR/apt.log
  perms_log "installing missing Debian packages: ${pkgs[*]}"
  local -a apt=(apt-get -q -y -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >"$log" 2>&1 </dev/null \
    || ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "${pkgs[@]}" >>"$log" 2>&1 </dev/null
  then
    perms_show_log "apt-get" "$log"
    perms_err "could not install ${pkgs[*]}"
    return 1
  fi
  # Debian's postinst may have created and started the default cluster (15/main on 5432) where services may start;
  # we use our own, so stop it again: nothing we caused keeps running.
  if [[ " ${pkgs[*]} " == *" postgresql "* ]] && command -v pg_lsclusters >/dev/null; then
    local ver name _port status _rest
    while read -r ver name _port status _rest; do
      if [[ $status == online* ]]; then pg_ctlcluster "$ver" "$name" stop >>"$log" 2>&1 || true; fi
    done < <(pg_lsclusters -h 2>/dev/null || true)
  fi
  if ! perms_pg_installed; then perms_err "PostgreSQL 15 is still missing ($PERMS_PG_BIN)"; return 1; fi
  if ! perms_nats_bin >/dev/null; then perms_err "nats-server is still missing"; return 1; fi
  if ! perms_python_grpc_installed || ! perms_python_protobuf_installed; then
    perms_err "/usr/bin/python3 still cannot import grpc and google.protobuf"; return 1
  fi
  if ! perms_protoc_installed; then perms_err "protoc (protobuf-compiler) is still missing"; return 1; fi
}

# npm ci where node_modules does not match package-lock.json (its hash, with node's version, is kept in
# node_modules/.perms-lock-hash). Failed directories are listed in PERMS_NPM_FAILED.
perms_install_node_modules() {
  PERMS_NPM_FAILED=()
  local d want have log rel
  while IFS= read -r d; do
    rel=${d#"$PERMS_ROOT"/}
    if ! command -v npm >/dev/null; then
      perms_err "npm not found (needed by $rel)"; PERMS_NPM_FAILED+=("$d"); continue
    fi
    want="$(sha256sum <"$d/package-lock.json" | cut -d' ' -f1) node $(node --version)"
    have=$(cat "$d/node_modules/.perms-lock-hash" 2>/dev/null || true)
    if [[ $want != "$have" ]]; then
      perms_make_run_dir || return 1
      log=$PERMS_RUN_DIR/npm-ci-${rel//\//_}.log
      perms_log "npm ci in $rel"
      if (cd "$d" && npm ci --no-audit --no-fund) >"$log" 2>&1 </dev/null; then
        mkdir -p "$d/node_modules" && printf '%s\n' "$want" >"$d/node_modules/.perms-lock-hash"
      else
        perms_show_log "npm ci in $rel" "$log"
        PERMS_NPM_FAILED+=("$d"); continue
      fi
    fi
    # A TypeScript package (clients/better-auth-nats) is used compiled by the demo: build it when dist/ is missing
    # (npm ci builds it through its prepare script; this covers a dist/ removed since).
    if [[ ! -d $d/dist ]] && grep -q '"build":' "$d/package.json"; then
      perms_make_run_dir || return 1
      log=$PERMS_RUN_DIR/npm-build-${rel//\//_}.log
      perms_log "npm run build in $rel"
      if ! (cd "$d" && npm run build) >"$log" 2>&1 </dev/null; then
        perms_show_log "npm run build in $rel" "$log"
        PERMS_NPM_FAILED+=("$d")
      fi
    fi
  done < <(perms_node_lock_dirs)
  ((${#PERMS_NPM_FAILED[@]} == 0))
}

perms_install_missing() {
  local rc=0
  perms_install_packages || rc=1
  perms_install_node_modules || rc=1
  return "$rc"
}

# Run a command as the postgres user, from a directory it can read.
perms_as_postgres() { (cd "$PERMS_RUN_DIR" && runuser -u postgres -- "$@"); }

perms_start_postgres() {
  local bin=$PERMS_PG_BIN
  if ! perms_pg_installed; then perms_err "PostgreSQL 15 not installed in $bin (run perms_install_missing)"; return 1; fi
  perms_make_run_dir || return 1
  local dir=$PERMS_RUN_DIR/pg
  chown postgres:postgres "$PERMS_RUN_DIR" && chmod 700 "$PERMS_RUN_DIR" || return 1
  install -d -o postgres -g postgres -m 700 "$dir" "$dir/run" || return 1

  local password
  password=$(python3 -c 'import secrets; print(secrets.token_hex(20))') || return 1
  (umask 077 && printf '%s\n' "$password" >"$dir/pwfile") && chown postgres:postgres "$dir/pwfile" || return 1
  if ! perms_as_postgres "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" -E UTF8 --no-locale \
    --auth-local=peer --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1; then
    perms_show_log "initdb" "$dir/initdb.log"
    return 1
  fi
  rm -f "$dir/pwfile"
  PERMS_PG_DATA=$dir/data
  cat >>"$PERMS_PG_DATA/postgresql.conf" <<'EOF'

# Perms test server: throwaway data, speed over durability.
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

  local attempt port=""
  for attempt in 1 2 3; do
    port=$(perms_free_port) || return 1
    if perms_as_postgres "$bin/pg_ctl" -D "$PERMS_PG_DATA" -l "$dir/postgres.log" -w -t 30 \
      -o "-k $dir/run -h 127.0.0.1 -p $port" start >"$dir/pg_ctl.log" 2>&1; then
      break
    fi
    if ((attempt < 3)) && grep -qE 'could not bind|already in use|could not create any TCP/IP sockets' "$dir/postgres.log" 2>/dev/null; then
      port=""; continue # lost the port race; try another one
    fi
    perms_show_log "pg_ctl" "$dir/pg_ctl.log"
    perms_show_log "PostgreSQL server log" "$dir/postgres.log"
    perms_err "PostgreSQL did not start"
    return 1
  done
  [[ -n $port ]] || { perms_err "PostgreSQL: no free port"; return 1; }

  local i
  for ((i = 0; i < 30; i++)); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 1 && break
    sleep 1
  done
  if ((i == 30)) || ! PGPASSWORD=$password PGCONNECT_TIMEOUT=5 "$bin/psql" -X -q -A -t -w -h 127.0.0.1 -p "$port" \
    -U postgres -d postgres -c 'select 1' >/dev/null 2>"$dir/psql.log"; then
    perms_show_log "psql" "$dir/psql.log" 10
    perms_show_log "PostgreSQL server log" "$dir/postgres.log"
    perms_err "PostgreSQL on 127.0.0.1:$port is not answering"
    return 1
  fi

  export PERMS_TEST_PG_BIN=$bin
  export PERMS_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=postgres"
  export PERMS_TEST_POSTGRES_URL="postgres://postgres:$password@127.0.0.1:$port/postgres"
  perms_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

perms_start_nats() {
  local bin
  if ! bin=$(perms_nats_bin); then perms_err "nats-server not installed (run perms_install_missing)"; return 1; fi
  perms_make_run_dir || return 1
  local dir=$PERMS_RUN_DIR/nats attempt port i
  mkdir -p "$dir" || return 1
  for attempt in 1 2 3; do
    port=$(perms_free_port) || return 1
    # In a session of its own: a Ctrl-C reaches the whole foreground process group, and nats-server must outlive the
    # silos it serves so they can drain their subscriptions; perms_stop_all stops it after them.
    setsid "$bin" -a 127.0.0.1 -p "$port" -m 0 </dev/null >>"$dir/nats.log" 2>&1 &
    PERMS_NATS_PID=$!
    printf '%s\n' "$PERMS_NATS_PID" >"$dir/pid"
    for ((i = 0; i < 150; i++)); do # 15 s
      kill -0 "$PERMS_NATS_PID" 2>/dev/null || break
      if perms_port_open "$port"; then
        export PERMS_TEST_NATS_URL="nats://127.0.0.1:$port"
        export PERMS_TEST_NATS_SERVER=$bin
        perms_log "nats-server $("$bin" --version 2>/dev/null | awk '{print $NF}') on 127.0.0.1:$port"
        return 0
      fi
      sleep 0.1
    done
    if kill -0 "$PERMS_NATS_PID" 2>/dev/null; then
      perms_show_log "nats-server log" "$dir/nats.log"
      perms_err "nats-server is not accepting on 127.0.0.1:$port after 15 s"
      return 1 # perms_stop_all kills it
    fi
    wait "$PERMS_NATS_PID" 2>/dev/null || true
    PERMS_NATS_PID=""
    if ((attempt < 3)) && grep -qi 'address already in use' "$dir/nats.log"; then continue; fi
    perms_show_log "nats-server log" "$dir/nats.log"
    perms_err "nats-server exited at start"
    return 1
  done
}

# The exports, as a file to source, and a script that stops this run's servers (for --keep).
perms_write_env_files() {
  [[ -n $PERMS_RUN_DIR ]] || return 1
  local name
  {
    for name in PERMS_TEST_POSTGRES PERMS_TEST_POSTGRES_URL PERMS_TEST_NATS_URL PERMS_TEST_NATS_SERVER \
      PERMS_TEST_PG_BIN PERMS_TEST_SERVERS; do
      [[ -n ${!name:-} ]] && printf "export %s='%s'\n" "$name" "${!name}"
    done
  } >"$PERMS_RUN_DIR/env"
  cat >"$PERMS_RUN_DIR/stop" <<EOF
#!/bin/sh
# Stops the servers of one scripts/test --keep run and removes its directory.
cd /
if [ -f '$PERMS_PG_DATA/postmaster.pid' ]; then
  runuser -u postgres -- '$PERMS_PG_BIN/pg_ctl' -D '$PERMS_PG_DATA' stop -m immediate >/dev/null 2>&1 || true
fi
[ -n '$PERMS_NATS_PID' ] && kill '$PERMS_NATS_PID' 2>/dev/null || true
rm -rf '$PERMS_RUN_DIR'
echo 'stopped; removed $PERMS_RUN_DIR'
EOF
  chmod +x "$PERMS_RUN_DIR/stop"
}

perms_stop_all() {
  local i pid
  if [[ -n $PERMS_NATS_PID ]]; then
    kill -TERM "$PERMS_NATS_PID" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$PERMS_NATS_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$PERMS_NATS_PID" 2>/dev/null || true
    wait "$PERMS_NATS_PID" 2>/dev/null || true
    PERMS_NATS_PID=""
  fi
  if [[ -n $PERMS_PG_DATA && -f $PERMS_PG_DATA/postmaster.pid ]]; then
    if ! perms_as_postgres "$PERMS_PG_BIN/pg_ctl" -D "$PERMS_PG_DATA" stop -m immediate -w -t 15 >/dev/null 2>&1; then
      pid=$(head -n 1 "$PERMS_PG_DATA/postmaster.pid" 2>/dev/null || true)
      if [[ $pid =~ ^[0-9]+$ ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
  fi
  PERMS_PG_DATA=""
  if [[ -n $PERMS_RUN_DIR && -d $PERMS_RUN_DIR ]]; then rm -rf -- "$PERMS_RUN_DIR"; fi
  PERMS_RUN_DIR=""
  return 0
}

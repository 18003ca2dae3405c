# shellcheck shell=bash
# The demo set-up shared by scripts/run-demo and benchmarks/invalidation.sh. Needs scripts/lib/servers.sh sourced,
# PostgreSQL and nats-server started (perms_start_postgres, perms_start_nats) and src/Silo built (Release).

# perms_demo_start_servers: stops the silo (SILO_PID) and the servers on exit, Ctrl-C or TERM; installs what is
# missing; starts PostgreSQL and nats-server.
perms_demo_start_servers() {
  SILO_PID=""
  PERMS_DEMO_PIDS=()
  trap perms_demo_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  perms_install_missing
  perms_start_postgres
  perms_start_nats
  export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
}

perms_demo_stop() {
  trap '' INT TERM
  local pid
  for pid in ${SILO_PID:-} ${PERMS_DEMO_PIDS[@]+"${PERMS_DEMO_PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${SILO_PID:-} ${PERMS_DEMO_PIDS[@]+"${PERMS_DEMO_PIDS[@]}"}; do wait "$pid" 2>/dev/null || true; done
  perms_stop_all
}

# perms_demo_prepare: database "app" with the demo data made by Better Auth (demo/seed.mjs) and its policy, a
# SELECT-only role for Perms, the indexes the schema check asks for, and one caller token.
# Sets DEMO (a directory: policy.json, ids.json, tokens/), APP_URL (postgres:// superuser URL of "app"),
# APP_CONNECTION (the same as an Npgsql connection string), READER (Npgsql connection string of the SELECT-only
# role) and TOKEN.
perms_demo_prepare() {
  DEMO=$PERMS_RUN_DIR/demo
  mkdir -p "$DEMO"
  local psql=("$PERMS_TEST_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1) password port report ddl
  "${psql[@]}" "$PERMS_TEST_POSTGRES_URL" -c "CREATE DATABASE app"
  APP_URL=${PERMS_TEST_POSTGRES_URL%/postgres}/app
  APP_CONNECTION=${PERMS_TEST_POSTGRES/Database=postgres/Database=app}

  perms_log "Better Auth creates its tables and the demo data (demo/seed.mjs)"
  DATABASE_URL=$APP_URL node "$PERMS_ROOT/demo/seed.mjs" --policy-out "$DEMO/policy.json" >"$DEMO/ids.json"

  # Perms reads with a SELECT-only role, as in production.
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  "${psql[@]}" "$APP_URL" <<SQL
CREATE ROLE perms_reader LOGIN PASSWORD '$password';
GRANT USAGE ON SCHEMA public TO perms_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO perms_reader;
SQL
  port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PERMS_TEST_POSTGRES")
  READER="Host=127.0.0.1;Port=$port;Username=perms_reader;Password=$password;Database=app"

  # The indexes the schema check asks for (run as the table owner).
  report=$(Perms__Database__ConnectionString="$READER" dotnet "$PERMS_ROOT/src/Silo/bin/Release/net10.0/Perms.Silo.dll" schema check) || [[ $? == 1 ]]
  ddl=$(grep '^CREATE INDEX' <<<"$report" || true)
  if [[ -n $ddl ]]; then "${psql[@]}" "$APP_URL" <<<"$ddl"; fi

  TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
  mkdir -p "$DEMO/tokens" && printf '%s' "$TOKEN" >"$DEMO/tokens/demo-service" && chmod 600 "$DEMO/tokens/demo-service"
}

# perms_demo_start_silo PORT [NAME=VALUE…]: starts the silo (gateway in process) on 127.0.0.1:PORT over the demo
# database, subscribed to this run's nats-server, with extra environment NAME=VALUE; sets SILO_PID and returns once
# the health check answers (1 if the silo exited first).
perms_demo_start_silo() {
  local port=$1 i
  shift
  perms_log "starting the silo (gateway in process) on 127.0.0.1:$port"
  # From its own folder, so it reads its appsettings.json (log levels).
  (cd "$PERMS_ROOT/src/Silo/bin/Release/net10.0" &&
    exec env \
      Perms__Database__ConnectionString="$READER" \
      Perms__Policy__Path="$DEMO/policy.json" \
      Perms__Auth__TokensPath="$DEMO/tokens" \
      Perms__Server__Address=127.0.0.1 \
      Perms__Server__Port="$port" \
      Perms__Orleans__SiloPort="$(perms_free_port)" \
      Perms__Events__Url="$PERMS_TEST_NATS_URL" \
      "$@" dotnet Perms.Silo.dll) &
  SILO_PID=$!
  for ((i = 0; i < 100; i++)); do
    if PERMS_ADDRESS=127.0.0.1:$port node "$PERMS_ROOT/demo/perms.mjs" health >/dev/null 2>&1; then return 0; fi
    kill -0 "$SILO_PID" 2>/dev/null || { perms_err "the silo exited; see its log above"; return 1; }
    sleep 0.3
  done
  perms_err "the silo did not answer its health check after 100 tries"
  return 1
}

# perms_harness_prepare NAME: the load-test harness's data — a database "harness" whose schema "harness" holds Better
# Auth's tables made by Better Auth's own migration (it refuses the public schema: it drops and recreates the schema it
# is given), filled by `perms-loadtest generate --manifest`, with the indexes the schema check asks for, a SELECT-only
# role and a caller token in $PERMS_RUN_DIR/NAME/tokens. Needs LOADTEST (the perms-loadtest command), USERS,
# ORGANIZATIONS, MEMBERSHIPS, POLICY and RESULTS; sets SCHEMA, DB_URL, DB_CONNECTION, MANIFEST, READER, DEMO and TOKEN.
perms_harness_prepare() {
  SCHEMA=harness
  "$PERMS_TEST_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$PERMS_TEST_POSTGRES_URL" -c "CREATE DATABASE harness"
  DB_URL=${PERMS_TEST_POSTGRES_URL%/postgres}/harness
  DB_CONNECTION=${PERMS_TEST_POSTGRES/Database=postgres/Database=harness}

  perms_log "Better Auth creates its tables (its migration API, tests/js/better-auth-differential.mjs --migrate-only)"
  (cd "$PERMS_ROOT/tests/js" && PERMS_TEST_POSTGRES_URL=$DB_URL node better-auth-differential.mjs --layout default --schema "$SCHEMA" --migrate-only >/dev/null)

  perms_log "perms-loadtest generate: $USERS users, $ORGANIZATIONS organizations, $MEMBERSHIPS memberships"
  MANIFEST=$RESULTS/perms-dataset.json
  "${LOADTEST[@]}" generate --connection "$DB_CONNECTION" --schema "$SCHEMA" --users "$USERS" \
    --organizations "$ORGANIZATIONS" --memberships "$MEMBERSHIPS" --policy "$POLICY" --manifest "$MANIFEST"

  perms_create_reader "$DB_URL" "$SCHEMA" perms_reader
  perms_log "indexes asked for by perms schema check"
  perms_create_indexes "$DB_URL" Perms__Database__Schema="$SCHEMA"
  "$PERMS_TEST_PG_BIN/psql" -X -q "$DB_URL" -c "ANALYZE" >/dev/null
  DEMO=$PERMS_RUN_DIR/$1
  perms_new_caller_token "$DEMO/tokens" loadtest
}

# The generic steps of perms_demo_prepare, for set-ups over other data (benchmarks/harness.sh).

# perms_create_reader URL SCHEMA ROLE: a SELECT-only login role ROLE on the tables of SCHEMA in the database of URL (a
# superuser postgres:// URL of it), as Perms reads in production. Sets READER (its Npgsql connection string).
perms_create_reader() {
  local url=$1 schema=$2 role=$3 password port database
  password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
  "$PERMS_TEST_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$url" <<SQL || return 1
CREATE ROLE $role LOGIN PASSWORD '$password';
GRANT USAGE ON SCHEMA $schema TO $role;
GRANT SELECT ON ALL TABLES IN SCHEMA $schema TO $role;
SQL
  port=$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PERMS_TEST_POSTGRES")
  database=${url##*/}
  READER="Host=127.0.0.1;Port=$port;Username=$role;Password=$password;Database=$database"
}

# perms_create_indexes URL [NAME=VALUE…]: the indexes `perms schema check` asks for, created as the tables' owner (URL).
# The schema check reads with READER plus the NAME=VALUE settings (e.g. Perms__Database__Schema=…).
perms_create_indexes() {
  local url=$1 report ddl
  shift
  report=$(env Perms__Database__ConnectionString="$READER" "$@" dotnet "$PERMS_ROOT/src/Silo/bin/Release/net10.0/Perms.Silo.dll" schema check) || [[ $? == 1 ]] || return 1
  ddl=$(grep '^CREATE INDEX' <<<"$report" || true)
  if [[ -n $ddl ]]; then
    printf '%s\n' "$ddl" >&2
    "$PERMS_TEST_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$url" <<<"$ddl" || return 1
  fi
}

# perms_new_caller_token DIR NAME: a random caller token in DIR/NAME (a tokens directory, Perms__Auth__TokensPath).
# Sets TOKEN.
perms_new_caller_token() {
  TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')
  mkdir -p "$1" && printf '%s' "$TOKEN" >"$1/$2" && chmod 600 "$1/$2"
}

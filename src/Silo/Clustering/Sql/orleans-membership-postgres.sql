-- =============================================================================
-- Perms: cluster membership storage for Microsoft.Orleans.Clustering.AdoNet 10.4.2
-- on PostgreSQL 15 (Npgsql, Invariant "Npgsql").
--
-- The Orleans package ships no database scripts. At start-up the provider runs
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- (unquoted, so PostgreSQL reads it as orleansquery(querykey, querytext) and
-- looks the table up through the connection's search_path), and refuses to
-- start unless all nine clustering keys below are present. After that it only
-- runs the stored query texts, binding named parameters (@DeploymentId, ...)
-- and reading result columns by name. Everything else -- table names, column
-- names, types, functions -- is ours. See README-contract.md next to this file.
--
-- How to run:
--   * Set search_path to Perms' Orleans schema first, e.g.
--         SET search_path TO perms_orleans;
--     Every object is created in current_schema(); no schema is named here.
--     The provider's connection must resolve the same schema (e.g. the Npgsql
--     connection string option "Search Path=perms_orleans").
--   * Safe to run again and again: tables are created only if missing, the
--     functions are replaced, and the query texts are upserted.
--   * Run it as plain SQL with no bound parameters (psql -f, or one Npgsql
--     command without parameters). It needs no superuser rights: CREATE on the
--     schema is enough. It does not open its own transaction; use psql -1 (or
--     your own transaction) if you want it all-or-nothing.
--   * The role the silos and clients connect with needs SELECT on orleansquery,
--     and SELECT, INSERT, UPDATE, DELETE on the two membership tables. The
--     functions are SECURITY INVOKER and run with the caller's rights.
-- =============================================================================

DO $check$
BEGIN
    IF current_schema() IS NULL THEN
        RAISE EXCEPTION 'orleans-membership: no schema to create in; SET search_path TO <schema> first';
    END IF;
    RAISE NOTICE 'orleans-membership: installing into schema %', current_schema();
END
$check$;

-- -----------------------------------------------------------------------------
-- One row per cluster (Orleans calls it DeploymentId; it is ClusterOptions.ClusterId).
-- "version" is the whole table's optimistic-concurrency token: Orleans reads it
-- together with the silo rows, and every membership change (insert or update of
-- a silo row) must present the version it read and moves it on by one.
-- -----------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id text        NOT NULL,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now(),   -- diagnostics only; Orleans never reads it
    CONSTRAINT orleans_membership_version_pk PRIMARY KEY (deployment_id)
);

-- -----------------------------------------------------------------------------
-- One row per silo incarnation, keyed like an Orleans SiloAddress:
-- (cluster, IP address as text, silo port, generation).
-- Types follow what the provider binds and reads:
--   * address is text (the provider binds IPAddress.ToString() and parses the
--     string back; an inet column would come back as IPAddress and break it);
--   * port, generation, status, proxy_port are int4 (bound as Int32 and read
--     with GetInt32; status is the SiloStatus enum value, 3 = Active, 6 = Dead);
--   * times are timestamptz: Orleans binds UTC DateTimes, Npgsql sends those as
--     timestamptz and reads timestamptz back as UTC, independent of the
--     session TimeZone;
--   * suspect_times is Orleans' own text ("silo,yyyy-MM-dd HH:mm:ss.fff GMT"
--     entries joined with '|'), stored as given, NULL when there are none.
-- Rows go away with their cluster's version row (DeleteMembershipTableEntriesKey).
-- -----------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   text        NOT NULL,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL DEFAULT 0,
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    CONSTRAINT orleans_membership_pk PRIMARY KEY (deployment_id, address, port, generation),
    CONSTRAINT orleans_membership_version_fk FOREIGN KEY (deployment_id)
        REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
    CONSTRAINT orleans_membership_port_range CHECK (port BETWEEN 0 AND 65535),
    CONSTRAINT orleans_membership_proxy_port_range CHECK (proxy_port BETWEEN 0 AND 65535)
);

-- -----------------------------------------------------------------------------
-- The query table the provider reads by this exact (case-folded) name. Left
-- unquoted on purpose: a quoted "OrleansQuery" would not be found. Other Orleans
-- ADO.NET providers (reminders, ...) can keep their keys in the same table.
-- -----------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT orleansquery_pk PRIMARY KEY (QueryKey)
);

-- -----------------------------------------------------------------------------
-- Insert a silo row and move the table version on, atomically.
-- true  = the version still was p_expected_version, the silo row did not exist,
--         the row is in and the version is now p_expected_version + 1;
-- false = someone changed the table since the caller read it, or the silo row
--         is already there; nothing was changed.
-- The version row is locked first (FOR UPDATE re-checks the version after
-- waiting for a concurrent writer), so competing writers queue on it and at
-- most one of them wins for a given version.
-- search_path is pinned to the schema this script runs in.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_silo_name        text,
    p_host_name        text,
    p_status           integer,
    p_proxy_port       integer,
    p_start_time       timestamptz,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SET search_path FROM CURRENT
AS $fn$
BEGIN
    PERFORM 1
      FROM orleans_membership_version
     WHERE deployment_id = p_deployment_id
       AND version = p_expected_version
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;                       -- stale version, or no version row
    END IF;

    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name,
         status, proxy_port, start_time, i_am_alive_time)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
         p_status, p_proxy_port, p_start_time, p_i_am_alive_time)
    ON CONFLICT ON CONSTRAINT orleans_membership_pk DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;                       -- this silo is already registered
    END IF;

    UPDATE orleans_membership_version
       SET version = version + 1,
           changed_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- -----------------------------------------------------------------------------
-- Update a silo row (status, suspicion votes, I-am-alive time) and move the
-- table version on, atomically. Same locking and same true/false meaning as
-- the insert: false when the version moved on or the silo row does not exist,
-- with nothing changed. The provider sends only these three mutable columns;
-- name, host, ports and start time never change for a silo incarnation.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION orleans_membership_update(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_status           integer,
    p_suspect_times    text,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
VOLATILE
SET search_path FROM CURRENT
AS $fn$
BEGIN
    PERFORM 1
      FROM orleans_membership_version
     WHERE deployment_id = p_deployment_id
       AND version = p_expected_version
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership
       SET status = p_status,
           suspect_times = p_suspect_times,
           i_am_alive_time = p_i_am_alive_time
     WHERE deployment_id = p_deployment_id
       AND address = p_address
       AND port = p_port
       AND generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;                       -- no such silo row
    END IF;

    UPDATE orleans_membership_version
       SET version = version + 1,
           changed_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- -----------------------------------------------------------------------------
-- When a silo row was last touched, the way the Orleans runtime measures it
-- when pruning defunct silos: the latest of its start time, its last
-- I-am-alive time, and the newest suspicion vote in suspect_times. A vote's
-- time is the text after the comma, e.g. "2026-08-01 12:00:00.123 GMT" (UTC).
-- Entries that do not look like that are ignored rather than failing.
-- -----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION orleans_membership_last_touched(
    p_start_time      timestamptz,
    p_i_am_alive_time timestamptz,
    p_suspect_times   text)
RETURNS timestamptz
LANGUAGE sql
STABLE
AS $fn$
    SELECT greatest(
        p_start_time,
        p_i_am_alive_time,
        (SELECT max(substring(vote FROM ',(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) GMT\s*$')::timestamp
                    AT TIME ZONE 'UTC')
           FROM regexp_split_to_table(coalesce(p_suspect_times, ''), '\|') AS votes(vote)));
$fn$;

-- =============================================================================
-- The nine query texts. Parameters are bound by name with typed values:
--   text:        @DeploymentId @Address @SiloName @HostName @SuspectTimes
--   integer:     @Port @Generation @Status @ProxyPort @Version
--   timestamptz: @StartTime @IAmAliveTime   (UTC)
-- Result columns are read by name, so each is aliased to the exact name the
-- provider asks for. Dollar quoting keeps the texts free of escaped quotes.
-- =============================================================================

-- InsertMembershipVersionKey (@DeploymentId)
-- Called by every silo while it starts: make sure the cluster has its version
-- row (version 0). Must return exactly one row with one column; the provider
-- reads it as a boolean: true = this call created the row, false = it existed.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id)
    VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created) AS "Created";
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- MembershipReadAllKey (@DeploymentId)
-- The whole table and its version in one statement (one snapshot, so they are
-- consistent). The version row drives the query and the silo rows are outer-
-- joined to it: with no silos there is still one row, carrying "Version" and
-- NULL silo columns (a NULL "StartTime" tells the provider "no silo here").
-- The provider takes the version from the first row, so this must return at
-- least one row, i.e. the version row must exist (silos create it at start-up).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadAllKey', $q$
SELECT v.version         AS "Version",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime"
  FROM orleans_membership_version AS v
  LEFT JOIN orleans_membership AS m
         ON m.deployment_id = v.deployment_id
 WHERE v.deployment_id = @DeploymentId
 ORDER BY m.address, m.port, m.generation;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- MembershipReadRowKey (@DeploymentId, @Address, @Port, @Generation)
-- Same shape as MembershipReadAllKey, narrowed to one silo: exactly one row,
-- with the silo columns NULL when that silo has no row.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadRowKey', $q$
SELECT v.version         AS "Version",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime"
  FROM orleans_membership_version AS v
  LEFT JOIN orleans_membership AS m
         ON m.deployment_id = v.deployment_id
        AND m.address = @Address
        AND m.port = @Port
        AND m.generation = @Generation
 WHERE v.deployment_id = @DeploymentId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- InsertMembershipKey (@DeploymentId, @Address, @Port, @Generation, @SiloName,
--   @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version)
-- A silo joining. @Version is the version the caller read (the etag of the
-- table version it holds), not the next one. One row, one boolean column:
-- true only if the row went in and the version moved on (see the function).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipKey', $q$
SELECT orleans_membership_insert(
           @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS "Inserted";
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- UpdateMembershipKey (@DeploymentId, @Address, @Port, @Generation, @Status,
--   @SuspectTimes, @IAmAliveTime, @Version)
-- A status change or a suspicion vote. Same @Version meaning and same single
-- boolean result as InsertMembershipKey. @SuspectTimes may be NULL.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateMembershipKey', $q$
SELECT orleans_membership_update(
           @DeploymentId, @Address, @Port, @Generation,
           @Status, @SuspectTimes, @IAmAliveTime, @Version) AS "Updated";
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- UpdateIAmAlivetimeKey (@DeploymentId, @Address, @Port, @Generation, @IAmAliveTime)
-- The periodic heartbeat. A plain in-place write: no version check and no
-- version change (Orleans defines it that way). The result is not read.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership
   SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId
   AND address = @Address
   AND port = @Port
   AND generation = @Generation;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- GatewaysQueryKey (@DeploymentId, @Status)
-- Used by clients to find gateways; @Status is always 3 (Active). One row per
-- gateway with "Address", "ProxyPort", "Generation"; silos without a gateway
-- endpoint (proxy port 0) are left out. Zero rows is a valid answer.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('GatewaysQueryKey', $q$
SELECT address    AS "Address",
       proxy_port AS "ProxyPort",
       generation AS "Generation"
  FROM orleans_membership
 WHERE deployment_id = @DeploymentId
   AND status = @Status
   AND proxy_port > 0;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- DeleteMembershipTableEntriesKey (@DeploymentId)
-- Forget a cluster entirely: its version row and, through the cascading
-- foreign key, all its silo rows, in one statement. The result is not read.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version
 WHERE deployment_id = @DeploymentId;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- CleanupDefunctSiloEntriesKey (@DeploymentId, @IAmAliveTime)
-- Pruning by the runtime's cleanup agent. @IAmAliveTime here is a cut-off
-- (UTC), not a heartbeat: delete the silos that are not Active (status <> 3)
-- and were last touched before it, as the runtime's own in-memory table does.
-- Like the other Orleans tables, pruning leaves the table version alone.
-- The result is not read.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
 WHERE deployment_id = @DeploymentId
   AND status <> 3
   AND orleans_membership_last_touched(start_time, i_am_alive_time, suspect_times) < @IAmAliveTime;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

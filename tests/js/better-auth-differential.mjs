#!/usr/bin/env node
// The Better Auth side of Perms' differential test.
//
//   node better-auth-differential.mjs --layout default|plural-snake|use-plural --schema SCHEMA [--dynamic on|off]
//
// With PERMS_TEST_POSTGRES_URL set, it (re)creates PostgreSQL schema SCHEMA, creates Better Auth 1.7's tables in it
// with Better Auth's own migration API, fills them through Better Auth's server API (plus a few rows written in SQL
// for states Better Auth never writes itself; each one is listed under "sqlWritten"), asks Better Auth's own
// `hasPermission` and `userHasPermission` endpoints for a grid of checks, and prints ONE JSON document on stdout
// (format: README.md beside this file). Logs go to stderr. Exit code 0 on success, 1 on any failure, 2 on bad usage.

import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";

import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { admin, organization } from "better-auth/plugins";
// Not re-exported by better-auth's package exports; better-auth 1.7.25 depends on exactly this version (package-lock).
import { createKyselyAdapter, kyselyAdapter } from "@better-auth/kysely-adapter";
import { createAccessControl } from "better-auth/plugins/access";
import {
  defaultRoles as adminDefaultRoles,
  defaultStatements as adminDefaultStatements,
} from "better-auth/plugins/admin/access";
import { adminAc as orgAdminAc, defaultStatements as orgDefaultStatements } from "better-auth/plugins/organization/access";
import pg from "pg";

// Better Auth's logger and any stray console.log must never reach stdout: stdout carries the JSON document only.
console.log = console.error;
console.info = console.error;
console.debug = console.error;
console.warn = console.error;

const USAGE =
  "usage: node better-auth-differential.mjs --layout default|plural-snake|use-plural --schema SCHEMA [--dynamic on|off] [--ids text|uuid] [--migrate-only]\n" +
  "  --migrate-only: only create Better Auth's (empty) tables and print their names (for benchmarks and datasets)\n" +
  "  needs PERMS_TEST_POSTGRES_URL (postgres://user:password@host:port/db); scripts/test sets it.";

// "text" (Better Auth's default) or "uuid" (advanced.database.generateId); set once from --ids.
let ID_KIND = "text";

const started = performance.now();
const log = (msg) => process.stderr.write(`[better-auth-differential ${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------------------------------
// Access control: the organization roles the test uses, and the same facts as a Perms policy (docs/policy.md).

const orgStatements = { ...orgDefaultStatements, project: ["create", "read", "update", "delete"] };
const ac = createAccessControl(orgStatements);
const orgRoles = {
  owner: ac.newRole(structuredClone(orgStatements)),
  admin: ac.newRole({ ...structuredClone(orgAdminAc.statements), project: ["read", "update"] }),
  member: ac.newRole({ ac: ["read"], project: ["read"] }),
  viewer: ac.newRole({ project: ["read"] }),
};

function rolesToJson(roles) {
  return Object.fromEntries(Object.entries(roles).map(([name, role]) => [name, structuredClone(role.statements)]));
}

function buildPolicy({ dynamic, adminUserIds }) {
  return {
    organization: {
      statements: structuredClone(orgStatements),
      roles: rolesToJson(orgRoles),
      dynamicAccessControl: { enabled: dynamic },
    },
    admin: {
      statements: structuredClone(adminDefaultStatements),
      roles: rolesToJson(adminDefaultRoles),
      defaultRole: "user",
      adminUserIds: [...adminUserIds],
    },
    // Better Auth's own behaviour: hasPermission/userHasPermission never read user.banned.
    bans: { mode: "ignore" },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Layouts: Better Auth options that rename tables and columns.

const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const snakeFields = (...names) => Object.fromEntries(names.map((n) => [n, snake(n)]));

const LAYOUTS = ["default", "plural-snake", "use-plural"];

// Better Auth's usePlural (an option of its Kysely adapter): every table is the model name plus "s", columns keep
// their camelCase field names. Its migration API ignores usePlural (getMigrations resolves names with
// usePlural: false and refuses adapter instances), so the migration is given the same plural names as modelName;
// the adapter's runtime schema check then verifies the tables are exactly the ones usePlural addresses.
const usePluralModelNames = (...models) => Object.fromEntries(models.map((m) => [m, { modelName: `${m}s` }]));

function layoutOptions(layout, { migration }) {
  if (layout === "default") return { core: {}, orgSchema: undefined, adminSchema: undefined };
  if (layout === "use-plural") {
    if (!migration) return { core: {}, orgSchema: undefined, adminSchema: undefined, usePlural: true };
    return {
      core: usePluralModelNames("user", "session", "account", "verification"),
      orgSchema: usePluralModelNames("organization", "member", "invitation", "team", "teamMember", "organizationRole"),
      adminSchema: undefined,
    };
  }
  // The seed ADR's layout: plural table names, snake_case columns.
  return {
    core: {
      user: { modelName: "users", fields: snakeFields("emailVerified", "createdAt", "updatedAt") },
      session: {
        modelName: "sessions",
        fields: snakeFields("expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent", "userId"),
      },
      account: {
        modelName: "accounts",
        fields: snakeFields(
          "accountId",
          "providerId",
          "userId",
          "accessToken",
          "refreshToken",
          "idToken",
          "accessTokenExpiresAt",
          "refreshTokenExpiresAt",
          "createdAt",
          "updatedAt",
        ),
      },
      verification: { modelName: "verifications", fields: snakeFields("expiresAt", "createdAt", "updatedAt") },
    },
    orgSchema: {
      organization: { modelName: "organizations", fields: snakeFields("createdAt") },
      member: { modelName: "members", fields: snakeFields("organizationId", "userId", "createdAt") },
      invitation: {
        modelName: "invitations",
        fields: snakeFields("organizationId", "teamId", "expiresAt", "createdAt", "inviterId"),
      },
      team: { modelName: "teams", fields: snakeFields("organizationId", "memberCount", "createdAt", "updatedAt") },
      teamMember: {
        modelName: "team_members",
        fields: snakeFields("teamId", "userId", "membershipKey", "createdAt"),
      },
      organizationRole: {
        modelName: "organization_roles",
        fields: snakeFields("organizationId", "createdAt", "updatedAt"),
      },
      session: { fields: snakeFields("activeOrganizationId", "activeTeamId") },
    },
    adminSchema: {
      user: { fields: snakeFields("banReason", "banExpires") },
      session: { fields: snakeFields("impersonatedBy") },
    },
  };
}

// Better Auth logs through this; everything goes to stderr, and a message repeated per check is printed once.
function makeLogger() {
  const seen = new Map();
  return {
    level: "warn",
    log(level, message, ...args) {
      const key = `${level} ${message}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n === 1) {
        let extra = "";
        if (args.length) {
          try {
            extra = " " + JSON.stringify(args);
          } catch {
            extra = " " + String(args);
          }
        }
        log(`better-auth ${level}: ${message}${extra}`);
      } else if (n === 2) {
        log(`better-auth ${level}: (the message above repeats; further repeats are not shown)`);
      }
    },
  };
}

// `kysely` (over the same pool) is needed only for use-plural: usePlural is an option of the adapter instance.
function makeAuth({ pool, kysely, layout, dynamic, adminUserIds, logger, migration = false }) {
  const lo = layoutOptions(layout, { migration });
  return betterAuth({
    // --ids uuid: Better Auth's generateId "uuid", which makes every id column a PostgreSQL uuid.
    ...(ID_KIND === "uuid" ? { advanced: { database: { generateId: "uuid" } } } : {}),
    appName: "perms-differential",
    baseURL: "http://127.0.0.1:3000",
    secret: "perms-differential-test-secret-0123456789abcdef",
    database: lo.usePlural ? kyselyAdapter(kysely, { type: "postgres", usePlural: true, transaction: true }) : pool,
    logger,
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    emailAndPassword: { enabled: true },
    ...lo.core,
    plugins: [
      organization({
        ac,
        roles: orgRoles,
        dynamicAccessControl: { enabled: dynamic },
        teams: { enabled: true },
        ...(lo.orgSchema ? { schema: lo.orgSchema } : {}),
      }),
      admin({ adminUserIds, ...(lo.adminSchema ? { schema: lo.adminSchema } : {}) }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Helpers

const q = (ident) => `"${ident.replaceAll('"', '""')}"`;

function describeError(e) {
  if (e && typeof e === "object" && typeof e.statusCode === "number" && e.name === "APIError") {
    const out = { status: e.statusCode };
    if (e.body?.code) out.code = e.body.code;
    if (e.body?.message ?? e.message) out.message = e.body?.message ?? e.message;
    return out;
  }
  // Not an APIError: Better Auth's HTTP handler answers such a throw with 500.
  return { status: 500, thrown: e?.name ?? typeof e, message: String(e?.message ?? e) };
}

async function api(what, fn) {
  try {
    return await fn();
  } catch (e) {
    const d = describeError(e);
    throw new Error(`${what} failed: ${d.status} ${d.code ?? d.thrown ?? ""} ${d.message ?? ""}`.trim(), { cause: e });
  }
}

function cookieHeader(headers) {
  const cookies = headers.getSetCookie().map((c) => c.split(";")[0]);
  if (!cookies.some((c) => c.startsWith("better-auth.session_token="))) {
    throw new Error(`no session cookie in sign-up response (got: ${cookies.map((c) => c.split("=")[0]).join(", ")})`);
  }
  return new Headers({ cookie: cookies.join("; ") });
}

async function pMap(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return results;
}

function colOf(tables, model, field) {
  const t = tables[model];
  if (!t) throw new Error(`Better Auth has no table for model "${model}"`);
  if (field === "id") return "id";
  const f = t.fields[field];
  if (!f) throw new Error(`Better Auth's model "${model}" has no field "${field}"`);
  return f.fieldName || field;
}

// ---------------------------------------------------------------------------------------------------------------------
// Check grids

const orgPermissionSets = (() => {
  const sets = [];
  for (const [resource, actions] of Object.entries(orgStatements)) for (const a of actions) sets.push({ [resource]: [a] });
  sets.push(
    { project: ["read", "update"] },
    { project: ["create", "read", "update", "delete"] },
    { project: ["read", "read"] },
    { organization: ["update", "delete"] },
    { project: ["read"], ac: ["read"] },
    { project: ["read"], member: ["create"] },
    { ac: ["read"], member: ["create"] }, // granted by no single role of "member,auditor", by their union
    { project: ["read"], team: ["create"] },
    { organization: ["update"], project: ["update"], invitation: ["create"] },
    {}, // empty request
    { project: [] }, // empty action list
    { billing: ["read"] }, // unknown resource
    { project: ["export"] }, // unknown action
    { project: ["read"], billing: ["read"] }, // a known and an unknown resource
    { constructor: ["read"] }, // a resource named like a JS prototype key
  );
  return sets;
})();

const platformPermissionSets = (() => {
  const sets = [];
  for (const [resource, actions] of Object.entries(adminDefaultStatements)) for (const a of actions) sets.push({ [resource]: [a] });
  sets.push(
    { user: ["list", "ban"], session: ["revoke"] },
    { user: ["ban", "impersonate-admins"] },
    {},
    { user: [] },
    { billing: ["read"] },
    { user: ["export"] },
    { constructor: ["read"] },
  );
  return sets;
})();

// ---------------------------------------------------------------------------------------------------------------------

async function main() {
  let args;
  try {
    ({ values: args } = parseArgs({
      options: {
        layout: { type: "string" },
        schema: { type: "string" },
        dynamic: { type: "string", default: "on" },
        "migrate-only": { type: "boolean", default: false },
        ids: { type: "string", default: "text" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (args.help) {
    process.stderr.write(USAGE + "\n");
    return 0;
  }
  if (!LAYOUTS.includes(args.layout)) {
    throw new UsageError(`--layout must be one of ${LAYOUTS.map((l) => `"${l}"`).join(", ")} (got ${JSON.stringify(args.layout ?? null)})`);
  }
  if (!args.schema || !/^[a-z_][a-z0-9_]{0,62}$/.test(args.schema)) {
    throw new UsageError(`--schema must be a lower-case SQL identifier [a-z_][a-z0-9_]* of at most 63 characters (got ${JSON.stringify(args.schema ?? null)})`);
  }
  if (["public", "information_schema"].includes(args.schema) || args.schema.startsWith("pg_")) {
    throw new UsageError(`--schema ${args.schema}: refusing to drop a system or the public schema`);
  }
  if (args.ids !== "text" && args.ids !== "uuid") {
    throw new UsageError(`--ids must be "text" or "uuid" (got ${JSON.stringify(args.ids)})`);
  }
  ID_KIND = args.ids;
  if (args.dynamic !== "on" && args.dynamic !== "off") {
    throw new UsageError(`--dynamic must be "on" or "off" (got ${JSON.stringify(args.dynamic)})`);
  }
  const url = process.env.PERMS_TEST_POSTGRES_URL;
  if (!url) {
    throw new UsageError("PERMS_TEST_POSTGRES_URL is not set; run scripts/test (or source scripts/lib/servers.sh and call perms_start_postgres)");
  }
  const layout = args.layout;
  const schema = args.schema;
  const dynamic = args.dynamic === "on";

  // 1. Fresh schema.
  {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect().catch((e) => {
      throw new Error(`cannot connect to PERMS_TEST_POSTGRES_URL: ${e.message}`);
    });
    try {
      await admin.query(`DROP SCHEMA IF EXISTS ${q(schema)} CASCADE`);
      await admin.query(`CREATE SCHEMA ${q(schema)}`);
    } finally {
      await admin.end();
    }
  }

  const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 8 });
  pool.on("error", (e) => log(`pg pool error: ${e.message}`));
  try {
    return await run({ pool, layout, schema, dynamic, migrateOnly: args["migrate-only"] });
  } finally {
    await pool.end();
  }
}

async function run({ pool, layout, schema, dynamic, migrateOnly }) {
  const logger = makeLogger();
  // The same Kysely instance Better Auth builds over a pg pool (PostgresDialect), for the use-plural adapter.
  const { kysely } = await createKyselyAdapter({ database: pool });

  // 1b. Better Auth's migration. The organizationRole table exists only with dynamic access control on; it is created
  //     (and filled) in both modes, so that with --dynamic off Perms must show it ignores those rows as Better Auth does.
  const migrationAuth = makeAuth({ pool, kysely, layout, dynamic: true, adminUserIds: [], logger, migration: true });
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(migrationAuth.options);
  log(`migrating: creating ${toBeCreated.map((t) => t.table).join(", ")}${toBeAdded.length ? `; adding to ${toBeAdded.map((t) => t.table).join(", ")}` : ""}`);
  await runMigrations();
  const tablesResolved = (await migrationAuth.$context).tables;

  const T = (model) => tablesResolved[model].modelName;
  const C = (model, field) => colOf(tablesResolved, model, field);

  // The names Perms reads, as Better Auth resolved them; then check they exist in the schema.
  const wanted = {
    user: ["id", "role", "banned", "banExpires"],
    member: ["id", "organizationId", "userId", "role", "createdAt"],
    organization: ["id"],
    organizationRole: ["id", "organizationId", "role", "permission"],
    team: ["id", "organizationId"],
    teamMember: ["teamId", "userId"],
  };
  const tables = {};
  for (const [model, fields] of Object.entries(wanted)) {
    tables[model] = { table: T(model), columns: Object.fromEntries(fields.map((f) => [f, C(model, f)])) };
  }
  {
    const { rows } = await pool.query(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1",
      [schema],
    );
    const have = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
    const missing = [];
    for (const { table, columns } of Object.values(tables)) {
      for (const c of Object.values(columns)) if (!have.has(`${table}.${c}`)) missing.push(`${table}.${c}`);
    }
    if (missing.length) throw new Error(`after migration, columns are missing in schema ${schema}: ${missing.join(", ")}`);
  }
  if (migrateOnly) {
    // For benchmarks and the load-test dataset: Better Auth's empty tables, and the names Perms reads.
    process.stdout.write(JSON.stringify({ layout, schema, betterAuthVersion: "1.7.25", tables }) + "\n");
    return 0;
  }

  const sqlWritten = [];
  const sql = async (purpose, text, params, info = {}) => {
    const r = await pool.query(text, params);
    if (r.rowCount < 1) throw new Error(`SQL for "${purpose}" changed no row: ${text}`);
    sqlWritten.push({ purpose, ...info, sql: text, params });
    return r;
  };

  // 2. Users, through sign-up (an auth instance without adminUserIds: the ids are not known yet).
  const signupAuth = makeAuth({ pool, kysely, layout, dynamic: true, adminUserIds: [], logger });
  const userSpecs = [
    "owner-a", // creates organization A
    "owner-b", // creates organization B
    "owner-c", // creates organization C
    "platform-admin", // user.role = "admin" (setRole)
    "listed-admin", // in adminUserIds; user.role stays "user"
    "role-user-comma-admin", // user.role = "user,admin" (setRole with ["user","admin"])
    "role-user-comma-space-admin", // user.role = "user, admin" (not an admin: no trimming)
    "role-null", // user.role = NULL (SQL)
    "multi-role", // member "admin,member" in A
    "padded", // member "  viewer , member " in A (SQL)
    "ghost", // member "ghost" in A
    "proto", // member "viewer,constructor" in C; user.role "constructor"
    "duplicate", // two member rows in C: "viewer" (API) and "admin" (SQL)
    "auditor", // dynamic role "auditor" in A
    "member-auditor", // "member,auditor" in A
    "plain", // "member" in A, "admin" in B, "reviewer" (dynamic, duplicated rows) in C
    "banned-sql", // banned in SQL after its session exists, banExpires NULL
    "ban-past", // banned in SQL, banExpires in the past
    "ban-future", // banned in SQL, banExpires in the future
    "banned-api", // banned through auth.api.banUser: Better Auth deletes its sessions
    "outsider", // no membership anywhere
  ];
  const users = {};
  for (const label of userSpecs) {
    const email = `${label}@perms.test`;
    const { headers, response } = await api(`signUpEmail ${email}`, () =>
      signupAuth.api.signUpEmail({
        body: { name: label, email, password: `pw-${label}-0123456789` },
        returnHeaders: true,
      }),
    );
    users[label] = { label, id: response.user.id, email, headers: cookieHeader(headers), hasSession: true };
  }
  log(`signed up ${userSpecs.length} users`);

  const adminUserIds = [users["listed-admin"].id];
  const auth = makeAuth({ pool, kysely, layout, dynamic: true, adminUserIds, logger });
  const U = (label) => users[label].id;
  const H = (label) => users[label].headers;

  // 3. Platform roles, through the admin plugin (the listed admin may set roles).
  await api("setRole platform-admin", () =>
    auth.api.setRole({ headers: H("listed-admin"), body: { userId: U("platform-admin"), role: "admin" } }),
  );
  await api("setRole role-user-comma-admin", () =>
    auth.api.setRole({ headers: H("listed-admin"), body: { userId: U("role-user-comma-admin"), role: ["user", "admin"] } }),
  );
  await api("setRole role-user-comma-space-admin", () =>
    auth.api.setRole({ headers: H("listed-admin"), body: { userId: U("role-user-comma-space-admin"), role: "user, admin" } }),
  );
  await api("setRole proto", () =>
    auth.api.setRole({ headers: H("listed-admin"), body: { userId: U("proto"), role: "constructor" } }),
  );
  {
    // The admin plugin stores a string role as given; if a later version normalises it, write it in SQL.
    const { rows } = await pool.query(`SELECT ${q(C("user", "role"))} AS role FROM ${q(T("user"))} WHERE id = $1`, [
      U("role-user-comma-space-admin"),
    ]);
    if (rows[0]?.role !== "user, admin") {
      await sql(
        "user.role with a space after the comma (Better Auth normalised it)",
        `UPDATE ${q(T("user"))} SET ${q(C("user", "role"))} = 'user, admin' WHERE id = $1`,
        [U("role-user-comma-space-admin")],
        { table: T("user"), userId: U("role-user-comma-space-admin") },
      );
    }
  }
  await sql(
    "user.role NULL (Better Auth writes defaultRole on sign-up)",
    `UPDATE ${q(T("user"))} SET ${q(C("user", "role"))} = NULL WHERE id = $1`,
    [U("role-null")],
    { table: T("user"), userId: U("role-null") },
  );

  // 4. Organizations (created server-side for a user: the creator becomes an "owner" member).
  const orgs = {};
  for (const [key, owner, name] of [
    ["A", "owner-a", "Acme"],
    ["B", "owner-b", "Beta (malformed dynamic role)"],
    ["C", "owner-c", "Gamma"],
    ["D", "owner-c", "Delta (dynamic role of the wrong shape)"],
  ]) {
    const slug = name.split(" ")[0].toLowerCase();
    const org = await api(`createOrganization ${key}`, () =>
      auth.api.createOrganization({ body: { name, slug, userId: U(owner) } }),
    );
    orgs[key] = { key, id: org.id, slug: org.slug, name };
  }
  const O = (key) => orgs[key].id;

  // 5. Teams.
  const teams = {};
  for (const [key, org, name] of [
    ["A1", "A", "alpha"],
    ["A2", "A", "beta"],
    ["C1", "C", "gamma"],
  ]) {
    const team = await api(`createTeam ${name}`, () => auth.api.createTeam({ body: { name, organizationId: O(org) } }));
    teams[key] = { key, id: team.id, organizationId: O(org), name };
  }

  // 6. Members.
  const memberIds = {};
  const addMember = async (label, org, role, teamKey) => {
    const m = await api(`addMember ${label} to ${org} as ${JSON.stringify(role)}`, () =>
      auth.api.addMember({
        body: { userId: U(label), organizationId: O(org), role, ...(teamKey ? { teamId: teams[teamKey].id } : {}) },
      }),
    );
    memberIds[`${org}:${label}`] = m.id;
    return m;
  };
  await addMember("platform-admin", "A", "viewer");
  await addMember("role-user-comma-space-admin", "B", "member");
  await addMember("listed-admin", "C", "member", "C1");
  await addMember("multi-role", "A", ["admin", "member"], "A2");
  await addMember("padded", "A", "viewer");
  await addMember("ghost", "A", "ghost");
  await addMember("proto", "C", "viewer,constructor");
  await addMember("duplicate", "C", "viewer", "C1");
  await addMember("plain", "A", "member", "A1");
  await addMember("plain", "B", "admin");
  await addMember("banned-sql", "A", "admin");
  await addMember("ban-past", "A", "member");
  await addMember("ban-future", "A", "member");
  await addMember("banned-api", "A", "admin");
  await addMember("ghost", "B", "viewer");
  // Dynamic-role members: their roles are plain strings to addMember.
  await addMember("auditor", "A", "auditor", "A1");
  await addMember("member-auditor", "A", "member,auditor");
  await addMember("plain", "C", "reviewer");
  await addMember("plain", "D", "viewer");
  await api("addTeamMember owner-a to alpha", () =>
    auth.api.addTeamMember({ headers: H("owner-a"), body: { teamId: teams.A1.id, userId: U("owner-a"), organizationId: O("A") } }),
  );
  await api("addTeamMember multi-role to alpha", () =>
    auth.api.addTeamMember({ headers: H("owner-a"), body: { teamId: teams.A1.id, userId: U("multi-role"), organizationId: O("A") } }),
  );

  // States Better Auth never writes.
  await sql(
    "member.role padded with spaces around the names (Better Auth trims when it writes)",
    `UPDATE ${q(T("member"))} SET ${q(C("member", "role"))} = '  viewer , member ' WHERE id = $1`,
    [memberIds["A:padded"]],
    { table: T("member"), userId: U("padded"), organizationId: O("A") },
  );
  {
    const id = randomUUID();
    await sql(
      "second member row for one (organization, user) pair (Better Auth refuses to add an existing member)",
      `INSERT INTO ${q(T("member"))} (id, ${q(C("member", "organizationId"))}, ${q(C("member", "userId"))}, ${q(C("member", "role"))}, ${q(C("member", "createdAt"))}) VALUES ($1, $2, $3, 'admin', now())`,
      [id, O("C"), U("duplicate")],
      { table: T("member"), rowId: id, userId: U("duplicate"), organizationId: O("C") },
    );
  }

  // 7. Dynamic roles.
  await api("createOrgRole auditor in A", () =>
    auth.api.createOrgRole({
      headers: H("owner-a"),
      body: { organizationId: O("A"), role: "auditor", permission: { project: ["read"], member: ["create"] } },
    }),
  );
  await api("createOrgRole reviewer in C", () =>
    auth.api.createOrgRole({
      headers: H("owner-c"),
      body: { organizationId: O("C"), role: "reviewer", permission: { project: ["update"] } },
    }),
  );
  // createOrgRole refuses a name taken by a static role, and a second row with one name: write those in SQL.
  let staticNameRefusal = null;
  try {
    await auth.api.createOrgRole({
      headers: H("owner-a"),
      body: { organizationId: O("A"), role: "member", permission: { team: ["create"] } },
    });
  } catch (e) {
    staticNameRefusal = describeError(e);
  }
  const roleRow = async (purpose, org, role, permission) => {
    const id = randomUUID();
    const R = (f) => q(C("organizationRole", f));
    await sql(
      purpose,
      `INSERT INTO ${q(T("organizationRole"))} (id, ${R("organizationId")}, ${R("role")}, ${R("permission")}, ${R("createdAt")}) VALUES ($1, $2, $3, $4, now())`,
      [id, O(org), role, permission],
      { table: T("organizationRole"), rowId: id, organizationId: O(org), role },
    );
  };
  if (staticNameRefusal) {
    await roleRow(
      `dynamic role extending the static role "member" (createOrgRole refuses: ${staticNameRefusal.status} ${staticNameRefusal.code ?? staticNameRefusal.message})`,
      "A",
      "member",
      JSON.stringify({ team: ["create"] }),
    );
  } else {
    log('note: createOrgRole accepted the static role name "member"');
  }
  await roleRow(
    "second organizationRole row with an existing name (createOrgRole refuses a taken name)",
    "C",
    "reviewer",
    JSON.stringify({ team: ["update"] }),
  );
  await roleRow("malformed organizationRole.permission (not JSON)", "B", "broken", "{not json");
  await roleRow(
    "malformed organizationRole.permission (JSON of the wrong shape: actions not a list)",
    "D",
    "shape",
    JSON.stringify({ project: "read" }),
  );

  // 8. Bans. Better Auth's own ban (banUser) deletes the user's sessions; the SQL ones leave the sessions alive.
  await api("banUser banned-api", () =>
    auth.api.banUser({ headers: H("platform-admin"), body: { userId: U("banned-api"), banReason: "api" } }),
  );
  users["banned-api"].hasSession = false;
  const B = (f) => q(C("user", f));
  for (const [label, expires, what] of [
    ["banned-sql", null, "banned = true, banExpires NULL, after the user's session was created"],
    ["ban-past", new Date(Date.now() - 24 * 3600 * 1000), "banned = true, banExpires a day ago, session kept"],
    ["ban-future", new Date(Date.now() + 30 * 24 * 3600 * 1000), "banned = true, banExpires in 30 days, session kept"],
  ]) {
    await sql(
      what,
      `UPDATE ${q(T("user"))} SET ${B("banned")} = true, ${B("banExpires")} = $2, ${B("banReason")} = 'sql' WHERE id = $1`,
      [U(label), expires],
      { table: T("user"), userId: U(label) },
    );
  }
  log("seeded");

  // 9. Better Auth's decisions, from an instance configured exactly as the policy says.
  const checkAuth = makeAuth({ pool, kysely, layout, dynamic, adminUserIds, logger });
  const orgIds = Object.keys(orgs).map(O);
  const unknownOrgId = "org-that-does-not-exist";
  const orgJobs = [];
  for (const label of userSpecs) {
    for (const organizationId of orgIds) for (const permissions of orgPermissionSets) orgJobs.push({ label, organizationId, permissions });
    orgJobs.push({ label, organizationId: unknownOrgId, permissions: { project: ["read"] } });
  }
  const checks = await pMap(orgJobs, 6, async ({ label, organizationId, permissions }) => {
    const out = { userId: U(label), organizationId, permissions };
    try {
      const r = await checkAuth.api.hasPermission({ headers: H(label), body: { organizationId, permissions } });
      if (typeof r?.success !== "boolean") throw new Error(`unexpected hasPermission answer ${JSON.stringify(r)}`);
      out.allowed = r.success;
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("unexpected hasPermission answer")) throw e;
      out.error = describeError(e);
    }
    return out;
  });
  log(`hasPermission: ${checks.length} checks`);

  const platformJobs = [];
  for (const label of userSpecs) for (const permissions of platformPermissionSets) platformJobs.push({ userId: U(label), permissions });
  const unknownUserId = "user-that-does-not-exist";
  platformJobs.push({ userId: unknownUserId, permissions: { user: ["list"] } });
  const platformChecks = await pMap(platformJobs, 6, async ({ userId, permissions }) => {
    const out = { userId, permissions };
    try {
      const r = await checkAuth.api.userHasPermission({ body: { userId, permissions } });
      if (typeof r?.success !== "boolean") throw new Error(`unexpected userHasPermission answer ${JSON.stringify(r)}`);
      out.allowed = r.success;
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("unexpected userHasPermission answer")) throw e;
      out.error = describeError(e);
    }
    return out;
  });
  log(`userHasPermission: ${platformChecks.length} checks`);

  // 10. The users as stored (after every write), and the document.
  const { rows: userRows } = await pool.query(
    `SELECT id, ${q(C("user", "role"))} AS role, ${B("banned")} AS banned, ${B("banExpires")} AS "banExpires" FROM ${q(T("user"))}`,
  );
  const byId = new Map(userRows.map((r) => [r.id, r]));
  const M = (f) => q(C("member", f));
  const { rows: memberRows } = await pool.query(
    `SELECT id, ${M("organizationId")} AS "organizationId", ${M("userId")} AS "userId", ${M("role")} AS role FROM ${q(T("member"))} ORDER BY ${M("createdAt")}, id`,
  );
  const TM = (f) => q(C("teamMember", f));
  const { rows: teamMemberRows } = await pool.query(
    `SELECT ${TM("teamId")} AS "teamId", ${TM("userId")} AS "userId" FROM ${q(T("teamMember"))} ORDER BY 1, 2`,
  );
  const TT = (f) => q(C("team", f));
  const { rows: teamRows } = await pool.query(
    `SELECT id, ${TT("organizationId")} AS "organizationId", ${TT("name")} AS name FROM ${q(T("team"))} ORDER BY ${TT("createdAt")}, id`,
  );
  const R = (f) => q(C("organizationRole", f));
  const { rows: roleRows } = await pool.query(
    `SELECT id, ${R("organizationId")} AS "organizationId", ${R("role")} AS role, ${R("permission")} AS permission FROM ${q(T("organizationRole"))} ORDER BY ${R("createdAt")}, id`,
  );
  const doc = {
    layout,
    schema,
    dynamic,
    betterAuthVersion: "1.7.25",
    tables,
    policy: buildPolicy({ dynamic, adminUserIds }),
    users: userSpecs.map((label) => {
      const u = users[label];
      const row = byId.get(u.id);
      return {
        id: u.id,
        label,
        email: u.email,
        role: row.role,
        banned: row.banned,
        banExpires: row.banExpires ? new Date(row.banExpires).toISOString() : null,
        hasSession: u.hasSession,
      };
    }),
    organizations: Object.values(orgs).map((o) => ({ id: o.id, slug: o.slug, name: o.name })),
    unknownOrganizationId: unknownOrgId,
    unknownUserId,
    members: memberRows,
    organizationRoles: roleRows,
    teams: teamRows, // with the default team createOrganization makes for each organization (teams enabled)
    teamMembers: teamMemberRows,
    sqlWritten,
    checks,
    platformChecks,
  };
  process.stdout.write(JSON.stringify(doc) + "\n");
  log(`done: ${checks.length} organization checks, ${platformChecks.length} platform checks`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`error: better-auth-differential: ${e?.stack ?? e}\n`);
    if (e?.cause) process.stderr.write(`caused by: ${e.cause?.stack ?? e.cause}\n`);
    process.exitCode = 1;
  },
);

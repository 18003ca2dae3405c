// Runs better-auth-differential.mjs against the PostgreSQL server of scripts/test (PERMS_TEST_POSTGRES_URL) for the
// three table layouts and both dynamic-access-control settings, and checks that the JSON it prints is well formed and
// that a few of Better Auth's decisions are the ones shared/design/better-auth-semantics.md describes.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

import pg from "pg";

const SCRIPT = fileURLToPath(new URL("../better-auth-differential.mjs", import.meta.url));

function postgresUrl() {
  const url = process.env.PERMS_TEST_POSTGRES_URL;
  if (!url) {
    assert.fail(
      "PERMS_TEST_POSTGRES_URL is not set: these tests need the PostgreSQL server that scripts/test starts. " +
        "Run scripts/test (or scripts/test --keep and source the env file it prints) instead of npm test alone.",
    );
  }
  return url;
}

function runScript(args, env = process.env) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, ...args],
      { env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function dropSchema(url, schema) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

const EXPECTED_TABLES = {
  default: {
    user: ["user", { id: "id", role: "role", banned: "banned", banExpires: "banExpires" }],
    member: ["member", { id: "id", organizationId: "organizationId", userId: "userId", role: "role", createdAt: "createdAt" }],
    organization: ["organization", { id: "id" }],
    organizationRole: ["organizationRole", { id: "id", organizationId: "organizationId", role: "role", permission: "permission" }],
    team: ["team", { id: "id", organizationId: "organizationId" }],
    teamMember: ["teamMember", { teamId: "teamId", userId: "userId" }],
  },
  "plural-snake": {
    user: ["users", { id: "id", role: "role", banned: "banned", banExpires: "ban_expires" }],
    member: ["members", { id: "id", organizationId: "organization_id", userId: "user_id", role: "role", createdAt: "created_at" }],
    organization: ["organizations", { id: "id" }],
    organizationRole: ["organization_roles", { id: "id", organizationId: "organization_id", role: "role", permission: "permission" }],
    team: ["teams", { id: "id", organizationId: "organization_id" }],
    teamMember: ["team_members", { teamId: "team_id", userId: "user_id" }],
  },
  // Better Auth's usePlural: the model name plus "s", columns unchanged.
  "use-plural": {
    user: ["users", { id: "id", role: "role", banned: "banned", banExpires: "banExpires" }],
    member: ["members", { id: "id", organizationId: "organizationId", userId: "userId", role: "role", createdAt: "createdAt" }],
    organization: ["organizations", { id: "id" }],
    organizationRole: ["organizationRoles", { id: "id", organizationId: "organizationId", role: "role", permission: "permission" }],
    team: ["teams", { id: "id", organizationId: "organizationId" }],
    teamMember: ["teamMembers", { teamId: "teamId", userId: "userId" }],
  },
};

// Every table in the schema after a run: Better Auth's migration must have created these and nothing else.
const EXPECTED_SCHEMA_TABLES = {
  default: ["account", "invitation", "member", "organization", "organizationRole", "session", "team", "teamMember", "user", "verification"],
  "plural-snake": ["accounts", "invitations", "members", "organization_roles", "organizations", "sessions", "team_members", "teams", "users", "verifications"],
  "use-plural": ["accounts", "invitations", "members", "organizationRoles", "organizations", "sessions", "teamMembers", "teams", "users", "verifications"],
};

async function schemaTables(url, schema) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name COLLATE \"C\"",
      [schema],
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

function checkShape(doc, { layout, schema, dynamic }) {
  assert.equal(doc.layout, layout);
  assert.equal(doc.schema, schema);
  assert.equal(doc.dynamic, dynamic);

  for (const [model, [table, columns]] of Object.entries(EXPECTED_TABLES[layout])) {
    assert.deepEqual(doc.tables[model], { table, columns }, `tables.${model}`);
  }

  assert.equal(doc.policy.organization.dynamicAccessControl.enabled, dynamic);
  assert.deepEqual(Object.keys(doc.policy.organization.roles).sort(), ["admin", "member", "owner", "viewer"]);
  assert.deepEqual(doc.policy.organization.statements.project, ["create", "read", "update", "delete"]);
  assert.equal(doc.policy.admin.adminUserIds.length, 1);

  assert.ok(doc.users.length >= 12, "about a dozen users");
  for (const u of doc.users) {
    assert.equal(typeof u.id, "string");
    assert.equal(typeof u.email, "string");
    assert.ok(u.role === null || typeof u.role === "string");
    assert.equal(typeof u.banned, "boolean");
    assert.ok(u.banExpires === null || !Number.isNaN(Date.parse(u.banExpires)));
  }
  assert.ok(doc.organizations.length >= 3);
  assert.ok(Array.isArray(doc.sqlWritten) && doc.sqlWritten.length > 0);
  for (const s of doc.sqlWritten) assert.equal(typeof s.purpose, "string");

  const userIds = new Set(doc.users.map((u) => u.id));
  const orgIds = new Set([...doc.organizations.map((o) => o.id), doc.unknownOrganizationId]);
  const oneOutcome = (c) => {
    assert.ok(("allowed" in c) !== ("error" in c), `exactly one of allowed/error: ${JSON.stringify(c)}`);
    if ("allowed" in c) assert.equal(typeof c.allowed, "boolean");
    else assert.equal(typeof c.error.status, "number");
    assert.equal(typeof c.permissions, "object");
  };
  assert.ok(doc.checks.length > 1000 && doc.checks.length < 5000, `checks: ${doc.checks.length}`);
  for (const c of doc.checks) {
    assert.ok(userIds.has(c.userId));
    assert.ok(orgIds.has(c.organizationId));
    oneOutcome(c);
  }
  assert.ok(doc.platformChecks.length > 100);
  for (const c of doc.platformChecks) {
    assert.ok(userIds.has(c.userId) || c.userId === doc.unknownUserId);
    oneOutcome(c);
  }
}

// A few decisions the semantics document states, looked up by the users' labels.
function checkAnchors(doc) {
  const user = (label) => doc.users.find((u) => u.label === label).id;
  const org = (slug) => doc.organizations.find((o) => o.slug === slug).id;
  const key = (p) => JSON.stringify(p);
  const check = (label, slug, permissions) => {
    const c = doc.checks.find((x) => x.userId === user(label) && x.organizationId === org(slug) && key(x.permissions) === key(permissions));
    assert.ok(c, `no check for ${label} in ${slug} ${key(permissions)}`);
    return c;
  };
  const platform = (label, permissions) => {
    const c = doc.platformChecks.find((x) => x.userId === user(label) && key(x.permissions) === key(permissions));
    assert.ok(c, `no platform check for ${label} ${key(permissions)}`);
    return c;
  };
  const allowed = (c, want, what) => assert.deepEqual({ allowed: c.allowed, error: c.error }, { allowed: want, error: undefined }, what);

  allowed(check("owner-a", "acme", { project: ["delete"] }), true, "owner has every statement");
  allowed(check("owner-a", "acme", {}), false, "an empty request is false");
  allowed(check("owner-a", "acme", { project: [] }), false, "an empty action list is false");
  allowed(check("owner-a", "acme", { billing: ["read"] }), false, "an unknown resource is false");
  allowed(check("multi-role", "acme", { organization: ["update"], project: ["update"], invitation: ["create"] }), true, "admin of admin,member grants it alone");
  allowed(check("member-auditor", "acme", { ac: ["read"], member: ["create"] }), false, "roles are never combined");
  allowed(check("ghost", "acme", { project: ["read"] }), false, "an unknown role grants nothing");
  allowed(check("banned-sql", "acme", { project: ["read"] }), true, "a ban written in SQL leaves access");
  assert.equal(check("outsider", "acme", { project: ["read"] }).error?.code, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION");
  assert.equal(check("platform-admin", "beta", { project: ["read"] }).error?.status, 401, "a platform admin is not a member");

  allowed(platform("role-user-comma-admin", { user: ["list"] }), true, '"user,admin" is an admin');
  allowed(platform("role-user-comma-space-admin", { user: ["list"] }), false, '"user, admin" is not (no trimming)');
  allowed(platform("platform-admin", { user: ["impersonate-admins"] }), false, "admin lacks impersonate-admins");
  allowed(platform("listed-admin", { user: ["impersonate-admins"] }), true, "adminUserIds pass everything");
  allowed(platform("role-null", { user: ["list"] }), false, "NULL role is the default role user");
  allowed(platform("banned-api", { user: ["list"] }), false, "a banned user keeps its (user) role");
  const unknownUser = doc.platformChecks.find((c) => c.userId === doc.unknownUserId);
  assert.equal(unknownUser?.error?.status, 400, "userHasPermission for an unknown user id is a 400");

  if (doc.dynamic) {
    assert.equal(check("owner-b", "beta", { project: ["read"] }).error?.status, 500, "malformed row: 500 for the owner too");
    assert.equal(check("plain", "beta", { project: ["read"] }).error?.status, 500, "malformed row: 500 for every member");
    allowed(check("auditor", "acme", { member: ["create"] }), true, "dynamic role");
    allowed(check("plain", "acme", { team: ["create"] }), true, "a dynamic row extends the static role member");
  } else {
    allowed(check("owner-b", "beta", { project: ["read"] }), true, "organizationRole rows are ignored with dynamic off");
    allowed(check("auditor", "acme", { member: ["create"] }), false, "dynamic roles do not exist with dynamic off");
    allowed(check("plain", "acme", { team: ["create"] }), false, "member is not extended with dynamic off");
  }
}

for (const layout of ["default", "plural-snake", "use-plural"]) {
  for (const dynamic of [true, false]) {
    test(`seeds the ${layout} layout with dynamic access control ${dynamic ? "on" : "off"} and prints well-formed decisions`, async (t) => {
      const url = postgresUrl();
      const schema = `perms_js_${process.pid}_${layout.replace("-", "_")}_${dynamic ? "on" : "off"}`;
      t.after(() => dropSchema(url, schema));
      const r = await runScript(["--layout", layout, "--schema", schema, "--dynamic", dynamic ? "on" : "off"]);
      assert.equal(r.code, 0, `exit code ${r.code}; stderr:\n${r.stderr}`);
      const lines = r.stdout.trim().split("\n");
      assert.equal(lines.length, 1, "stdout is one JSON document on one line");
      const doc = JSON.parse(lines[0]);
      checkShape(doc, { layout, schema, dynamic });
      checkAnchors(doc);
      assert.deepEqual(await schemaTables(url, schema), EXPECTED_SCHEMA_TABLES[layout], "the tables Better Auth created");
    });
  }
}

test("refuses bad usage with exit code 2 and a message", async () => {
  const r = await runScript(["--layout", "sideways", "--schema", "x"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--layout must be/);
  assert.equal(r.stdout, "");
});

test("says to run scripts/test when PERMS_TEST_POSTGRES_URL is missing", async () => {
  const env = { ...process.env };
  delete env.PERMS_TEST_POSTGRES_URL;
  const r = await runScript(["--layout", "default", "--schema", "perms_js_never_created"], env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /PERMS_TEST_POSTGRES_URL is not set; run scripts\/test/);
});

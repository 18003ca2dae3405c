#!/usr/bin/env node
// Creates the demo's Better Auth database with Better Auth itself (its migration API and its server API), exports
// the app's access-control configuration as a Perms policy file with the policy exporter, and prints the ids.
//
//   DATABASE_URL=postgres://… node demo/seed.mjs --policy-out FILE > ids.json
//
// The app: an organization plugin with Better Auth's default statements plus "project", custom roles, dynamic
// access control on, teams on; the admin plugin with its defaults.

import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { admin, organization } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements } from "better-auth/plugins/organization/access";
import pg from "pg";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { exportPolicy, formatPolicy } from "../clients/policy-export/export-policy.mjs";

// Better Auth logs to stdout; stdout carries the ids only.
console.log = console.error;
console.info = console.error;
console.warn = console.error;

const { values: args } = parseArgs({ options: { "policy-out": { type: "string" } } });
if (!process.env.DATABASE_URL || !args["policy-out"]) {
  process.stderr.write("usage: DATABASE_URL=postgres://… node demo/seed.mjs --policy-out FILE\n");
  process.exit(2);
}

const statements = { ...defaultStatements, project: ["create", "read", "update", "delete"] };
const ac = createAccessControl(statements);
const roles = {
  owner: ac.newRole(statements),
  admin: ac.newRole({ organization: ["update"], member: ["create", "update", "delete"], invitation: ["create", "cancel"], team: ["create", "update", "delete"], ac: ["read"], project: ["create", "read", "update"] }),
  member: ac.newRole({ ac: ["read"], project: ["read"] }),
  viewer: ac.newRole({ project: ["read"] }),
};

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const make = (adminUserIds = []) =>
  betterAuth({
    appName: "perms-demo",
    baseURL: "http://127.0.0.1:3000",
    secret: "perms-demo-secret-not-for-production-0123456789",
    database: pool,
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    emailAndPassword: { enabled: true },
    plugins: [
      organization({ ac, roles, dynamicAccessControl: { enabled: true }, teams: { enabled: true } }),
      admin({ adminUserIds }),
    ],
  });

try {
  const auth = make();
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();

  const users = {};
  const headers = {};
  for (const name of ["alice", "bob", "carol", "dave", "erin"]) {
    const { headers: h, response } = await auth.api.signUpEmail({
      body: { name, email: `${name}@demo.test`, password: `${name}-demo-password` },
      returnHeaders: true,
    });
    users[name] = response.user.id;
    headers[name] = new Headers({ cookie: h.get("set-cookie").split(";")[0] });
  }

  // dave is a platform admin; erin is banned (through the admin plugin, by dave).
  await pool.query(`UPDATE "user" SET role = 'admin' WHERE id = $1`, [users.dave]);
  await auth.api.banUser({ headers: headers.dave, body: { userId: users.erin, banReason: "demo" } });

  const acme = await auth.api.createOrganization({ headers: headers.alice, body: { name: "Acme", slug: "acme" } });
  const globex = await auth.api.createOrganization({ headers: headers.bob, body: { name: "Globex", slug: "globex" } });
  await auth.api.addMember({ body: { organizationId: acme.id, userId: users.bob, role: "admin" } });
  await auth.api.addMember({ body: { organizationId: acme.id, userId: users.carol, role: ["member", "viewer"] } });
  await auth.api.addMember({ body: { organizationId: globex.id, userId: users.carol, role: "viewer" } });
  await auth.api.addMember({ body: { organizationId: acme.id, userId: users.erin, role: "admin" } });
  // A dynamic role in Acme, made through Better Auth's API.
  await auth.api.createOrgRole({ headers: headers.alice, body: { organizationId: acme.id, role: "auditor", permission: { project: ["read"], member: ["create"] } } });
  await auth.api.addMember({ body: { organizationId: acme.id, userId: users.dave, role: "auditor" } });

  writeFileSync(args["policy-out"], formatPolicy(exportPolicy(make(), { bans: { mode: "deny" } })));
  process.stdout.write(JSON.stringify({ users, organizations: { acme: acme.id, globex: globex.id } }) + "\n");
} finally {
  await pool.end();
}

#!/usr/bin/env node
// Creates the demo's Better Auth database with Better Auth itself (its migration API and its server API), exports
// the app's access-control configuration as a Perms policy file with the policy exporter, and prints the ids.
//
//   DATABASE_URL=postgres://… node demo/seed.mjs --policy-out FILE > ids.json
//
// The app's Better Auth configuration is demo/auth.mjs.

import { getMigrations } from "better-auth/db/migration";
import pg from "pg";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { exportPolicy, formatPolicy } from "../clients/policy-export/export-policy.mjs";
import { makeAuth, passwordOf } from "./auth.mjs";

// Better Auth logs to stdout; stdout carries the ids only.
console.log = console.error;
console.info = console.error;
console.warn = console.error;

const { values: args } = parseArgs({ options: { "policy-out": { type: "string" } } });
if (!process.env.DATABASE_URL || !args["policy-out"]) {
  process.stderr.write("usage: DATABASE_URL=postgres://… node demo/seed.mjs --policy-out FILE\n");
  process.exit(2);
}

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const make = () => makeAuth({ pool });

try {
  const auth = make();
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();

  const users = {};
  const headers = {};
  for (const name of ["alice", "bob", "carol", "dave", "erin"]) {
    const { headers: h, response } = await auth.api.signUpEmail({
      body: { name, email: `${name}@demo.test`, password: passwordOf(name) },
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

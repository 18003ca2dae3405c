#!/usr/bin/env node
// Changes the demo data the way the app would — through Better Auth's server API, signed in as the organization's
// owner (or as dave, the platform admin, for bans) — with clients/better-auth-nats publishing Perms' change events.
//
//   DATABASE_URL=postgres://… NATS_URL=nats://… [PERMS_SUBJECT_PREFIX=myapp.] node demo/change.mjs COMMAND …
//
//   set-role USER ORG ROLE[,ROLE…]    updateMemberRole          → member.role.changed
//   remove-member USER ORG             removeMember              → member.removed
//   add-member USER ORG ROLE           addMember                 → member.added
//   ban USER | unban USER              admin banUser / unbanUser → user.updated
//   set-org-role ORG ROLE RESOURCE:ACTION[,…]   updateOrgRole    → organization.role.changed
//
// USER is a demo user's name (alice, bob, carol, dave, erin), ORG an organization's slug (acme, globex). Prints one
// JSON line: { "changedAt": just before the Better Auth call, "committedAt": just after it returned,
// "event": { subject, published, errors } }.
// Exit 0 when Better Auth made the change, even if the event could not be published (NATS down: Better Auth's
// request must not fail for it); the line says what happened to the event.

import pg from "pg";
import { permsNatsEvents } from "../clients/better-auth-nats/dist/index.js";
import { makeAuth, passwordOf } from "./auth.mjs";

console.log = console.error;
console.info = console.error;
console.warn = console.error;

const usage = `usage: DATABASE_URL=… NATS_URL=… node demo/change.mjs set-role USER ORG ROLE | remove-member USER ORG | add-member USER ORG ROLE | ban USER | unban USER | set-org-role ORG ROLE RESOURCE:ACTION[,…]\n`;
const [command, ...rest] = process.argv.slice(2);
if (!process.env.DATABASE_URL || !command) {
  process.stderr.write(usage);
  process.exit(2);
}

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const errors = [];
const perms = permsNatsEvents({
  servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  prefix: process.env.PERMS_SUBJECT_PREFIX ?? "",
  onError: (error) => errors.push(error.code ?? String(error)),
});
const auth = makeAuth({ pool, perms });

async function userId(name) {
  const { rows } = await pool.query(`SELECT id FROM "user" WHERE email = $1`, [`${name}@demo.test`]);
  if (rows.length === 0) throw new Error(`no demo user ${name}`);
  return rows[0].id;
}

async function organizationId(slug) {
  const { rows } = await pool.query(`SELECT id FROM organization WHERE slug = $1`, [slug]);
  if (rows.length === 0) throw new Error(`no organization with slug ${slug}`);
  return rows[0].id;
}

async function signIn(name) {
  const { headers } = await auth.api.signInEmail({ body: { email: `${name}@demo.test`, password: passwordOf(name) }, returnHeaders: true });
  return new Headers({ cookie: headers.get("set-cookie").split(";")[0] });
}

async function ownerOf(orgId) {
  const { rows } = await pool.query(`SELECT u.email FROM member m JOIN "user" u ON u.id = m."userId" WHERE m."organizationId" = $1 AND m.role LIKE '%owner%' ORDER BY m."createdAt" LIMIT 1`, [orgId]);
  if (rows.length === 0) throw new Error(`organization ${orgId} has no owner`);
  return signIn(rows[0].email.split("@")[0]);
}

async function memberId(uid, orgId) {
  const { rows } = await pool.query(`SELECT id FROM member WHERE "userId" = $1 AND "organizationId" = $2`, [uid, orgId]);
  if (rows.length === 0) throw new Error(`not a member`);
  return rows[0].id;
}

function need(count) {
  if (rest.length !== count) {
    process.stderr.write(usage);
    process.exit(2);
  }
}

let changedAt;
let subject;
try {
  await perms.ready(2000).catch(() => {}); // NATS may be down: the change still goes through
  switch (command) {
    case "set-role": {
      need(3);
      const [uid, orgId] = [await userId(rest[0]), await organizationId(rest[1])];
      const headers = await ownerOf(orgId);
      const mid = await memberId(uid, orgId);
      subject = "member.role.changed";
      changedAt = new Date();
      await auth.api.updateMemberRole({ headers, body: { organizationId: orgId, memberId: mid, role: rest[2].split(",") } });
      break;
    }
    case "remove-member": {
      need(2);
      const [uid, orgId] = [await userId(rest[0]), await organizationId(rest[1])];
      const headers = await ownerOf(orgId);
      subject = "member.removed";
      changedAt = new Date();
      await auth.api.removeMember({ headers, body: { organizationId: orgId, memberIdOrEmail: `${rest[0]}@demo.test` } });
      void uid;
      break;
    }
    case "add-member": {
      need(3);
      const [uid, orgId] = [await userId(rest[0]), await organizationId(rest[1])];
      subject = "member.added";
      changedAt = new Date();
      await auth.api.addMember({ body: { organizationId: orgId, userId: uid, role: rest[2].split(",") } });
      break;
    }
    case "ban":
    case "unban": {
      need(1);
      const uid = await userId(rest[0]);
      const headers = await signIn("dave");
      subject = "user.updated";
      changedAt = new Date();
      if (command === "ban") await auth.api.banUser({ headers, body: { userId: uid, banReason: "demo/change.mjs" } });
      else await auth.api.unbanUser({ headers, body: { userId: uid } });
      break;
    }
    case "set-org-role": {
      need(3);
      const orgId = await organizationId(rest[0]);
      const headers = await ownerOf(orgId);
      const permission = {};
      for (const pair of rest[2].split(",")) {
        const [resource, action] = pair.split(":");
        (permission[resource] ??= []).push(action);
      }
      subject = "organization.role.changed";
      changedAt = new Date();
      await auth.api.updateOrgRole({ headers, body: { organizationId: orgId, roleName: rest[1], data: { permission } } });
      break;
    }
    default:
      process.stderr.write(usage);
      process.exit(2);
  }

  const committedAt = new Date();
  await perms.close();
  const stats = perms.stats();
  process.stdout.write(JSON.stringify({ changedAt: changedAt.toISOString(), committedAt: committedAt.toISOString(), event: { subject, published: stats.published, errors } }) + "\n");
} finally {
  await pool.end();
}

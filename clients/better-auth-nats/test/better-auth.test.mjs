// The module against a REAL better-auth 1.7.25 (organization plugin with teams and dynamic access control, admin
// plugin) on a real PostgreSQL (a database of its own, created and dropped here) and a real nats-server: every change
// goes through Better Auth's server API, and a NATS subscriber checks the exact subjects and payloads.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { connect } from "@nats-io/transport-node";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { admin, organization } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import {
  adminAc,
  defaultStatements,
  memberAc,
  ownerAc,
} from "better-auth/plugins/organization/access";
import pg from "pg";

import { mergeOrganizationHooks, permsNatsEvents } from "../dist/index.js";
import { assertOccurredAt, Collector, createDatabase, expectEvents, freePort, randomName, requireEnv, sleep } from "./helpers.mjs";

const env = requireEnv("better-auth.test.mjs", ["PERMS_TEST_POSTGRES_URL", "PERMS_TEST_NATS_URL"]);

// The contract's subjects as Perms subscribes to them (one wildcard per first token).
const WILDCARDS = ["member.>", "organization.>", "user.>", "team.>", "perms.>"];

const statements = { ...defaultStatements, project: ["create", "read", "update", "delete"] };
const ac = createAccessControl(statements);
const roles = {
  owner: ac.newRole({ ...structuredClone(ownerAc.statements), project: ["create", "read", "update", "delete"] }),
  admin: ac.newRole({ ...structuredClone(adminAc.statements), project: ["read", "update"] }),
  member: ac.newRole({ ...structuredClone(memberAc.statements), project: ["read"] }),
};

// Better Auth's own messages go to stderr (stdout carries the test report); repeats are shown once.
function quietLogger(sink) {
  const seen = new Set();
  return {
    level: "warn",
    log(level, message) {
      sink?.push({ level, message });
      const key = `${level} ${message}`;
      if (seen.has(key)) return;
      seen.add(key);
      process.stderr.write(`[better-auth ${level}] ${message}\n`);
    },
  };
}

function makeAuth({ pool, perms, organizationHooks = perms?.organizationHooks, extraPlugins = [], databaseHooks, logger }) {
  return betterAuth({
    appName: "perms-better-auth-nats-test",
    baseURL: "http://127.0.0.1:3000",
    secret: "perms-better-auth-nats-test-secret-8f2c1d9e0a7b6c5d",
    database: pool,
    logger: logger ?? quietLogger(),
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    emailAndPassword: { enabled: true },
    ...(databaseHooks ? { databaseHooks } : {}),
    plugins: [
      organization({
        ac,
        roles,
        dynamicAccessControl: { enabled: true },
        teams: { enabled: true },
        async sendInvitationEmail() {},
        ...(organizationHooks ? { organizationHooks } : {}),
      }),
      admin(),
      ...(perms ? [perms.plugin] : []),
      ...extraPlugins,
    ],
  });
}

function cookieHeaders(headers) {
  const cookies = headers.getSetCookie().map((c) => c.split(";")[0]);
  assert.ok(cookies.some((c) => c.startsWith("better-auth.session_token=")), "sign-up sets a session cookie");
  return new Headers({ cookie: cookies.join("; ") });
}

if (env) {
  describe("permsNatsEvents with a real Better Auth, PostgreSQL and nats-server", () => {
    let db;
    let pool;
    let perms;
    let auth;
    let collector;
    let errors;
    const cleanups = [];
    // Ids created by this run: only events about them count (the nats-server may be shared).
    const ours = new Set();
    const users = {};
    let orgId;
    let defaultTeamId;

    const relevant = (m) => ours.has(m.payload.userId) || ours.has(m.payload.organizationId);
    const ctx = () => ({ collector, flush: () => perms.flush(), relevant });
    const ev = (subject, payload) => ({ subject, payload });

    async function signUp(label) {
      const email = `${label}-${randomName("")}@perms.test`;
      const { headers, response } = await auth.api.signUpEmail({
        body: { name: label, email, password: `pw-${label}-0123456789` },
        returnHeaders: true,
      });
      ours.add(response.user.id);
      users[label] = { id: response.user.id, email, headers: cookieHeaders(headers) };
      return users[label];
    }

    const U = (label) => users[label].id;
    const H = (label) => users[label].headers;

    async function memberId(label, organizationId = orgId) {
      const { rows } = await pool.query(`SELECT id FROM "member" WHERE "userId" = $1 AND "organizationId" = $2`, [U(label), organizationId]);
      assert.equal(rows.length, 1, `one member row for ${label}`);
      return rows[0].id;
    }

    before(async () => {
      db = await createDatabase(env.PERMS_TEST_POSTGRES_URL);
      cleanups.push(() => db.drop());
      pool = new pg.Pool({ connectionString: db.url, max: 8 });
      pool.on("error", () => {});
      cleanups.push(() => pool.end());

      // Better Auth's own migration creates every table of the configuration (organizationRole, team, teamMember...).
      const { toBeCreated, runMigrations } = await getMigrations(makeAuth({ pool }).options);
      assert.ok(toBeCreated.length > 0, "Better Auth has tables to create");
      await runMigrations();

      errors = [];
      perms = permsNatsEvents({ servers: env.PERMS_TEST_NATS_URL, onError: (e) => errors.push(e) });
      cleanups.push(() => perms.close());
      await perms.ready(10_000);
      collector = await Collector.open(env.PERMS_TEST_NATS_URL, WILDCARDS);
      cleanups.push(() => collector.close());
      auth = makeAuth({ pool, perms });
    });

    after(async () => {
      for (const c of cleanups.reverse()) {
        try {
          await c();
        } catch (e) {
          process.stderr.write(`cleanup: ${e.message}\n`);
        }
      }
    });

    test("sign-up publishes nothing", async () => {
      await expectEvents(
        ctx(),
        async () => {
          for (const label of ["owner", "alice", "bob", "carol", "dave"]) await signUp(label);
        },
        [],
      );
      // The platform admin of this test: user.role written in SQL (no event, as expected for SQL).
      await pool.query(`UPDATE "user" SET role = 'admin' WHERE id = $1`, [U("owner")]);
    });

    test("createOrganization: member.added for the creator, team.member.changed for the default team", async () => {
      await expectEvents(
        ctx(),
        async () => {
          const o = await auth.api.createOrganization({ body: { name: "Acme", slug: randomName("acme-"), userId: U("owner") } });
          ours.add(o.id);
          orgId = o.id;
          const { rows } = await pool.query(`SELECT id FROM "team" WHERE "organizationId" = $1`, [o.id]);
          assert.equal(rows.length, 1, "Better Auth created the default team");
          defaultTeamId = rows[0].id;
        },
        () => [
          ev("member.added", { userId: U("owner"), organizationId: orgId, role: "owner" }),
          ev("team.member.changed", { userId: U("owner"), organizationId: orgId, teamId: defaultTeamId }),
        ],
      );
      await expectEvents(ctx(), () => auth.api.setActiveOrganization({ headers: H("owner"), body: { organizationId: orgId } }), []);
    });

    test("addMember: member.added with the role as Better Auth stores it", async () => {
      await expectEvents(ctx(), () => auth.api.addMember({ body: { userId: U("alice"), organizationId: orgId, role: "member" } }), [
        ev("member.added", { userId: U("alice"), organizationId: orgId, role: "member" }),
      ]);
      await expectEvents(
        ctx(),
        () => auth.api.addMember({ body: { userId: U("bob"), organizationId: orgId, role: ["admin", "member"] } }),
        [ev("member.added", { userId: U("bob"), organizationId: orgId, role: "admin,member" })],
      );
    });

    test("updateMemberRole: member.role.changed with the new role", async () => {
      const id = await memberId("alice");
      await expectEvents(
        ctx(),
        () => auth.api.updateMemberRole({ headers: H("owner"), body: { memberId: id, role: "admin", organizationId: orgId } }),
        [ev("member.role.changed", { userId: U("alice"), organizationId: orgId, role: "admin" })],
      );
    });

    test("a Better Auth call that fails publishes nothing", async () => {
      const id = await memberId("alice");
      await expectEvents(
        ctx(),
        () =>
          assert.rejects(
            auth.api.updateMemberRole({ headers: H("owner"), body: { memberId: id, role: "no-such-role", organizationId: orgId } }),
          ),
        [],
      );
      await expectEvents(
        ctx(),
        () =>
          assert.rejects(
            auth.api.createOrgRole({ headers: H("owner"), body: { organizationId: orgId, role: "owner", permission: { project: ["read"] } } }),
          ),
        [],
      );
    });

    test("teams: createTeam publishes nothing; add/remove team member and removeTeam publish team.member.changed", async () => {
      const team = await expectEvents(
        ctx(),
        () => auth.api.createTeam({ headers: H("owner"), body: { name: "blue", organizationId: orgId } }),
        [],
      );
      const tm = (label) => ev("team.member.changed", { userId: U(label), organizationId: orgId, teamId: team.id });
      await expectEvents(
        ctx(),
        () => auth.api.addTeamMember({ headers: H("owner"), body: { teamId: team.id, userId: U("alice"), organizationId: orgId } }),
        [tm("alice")],
      );
      await expectEvents(
        ctx(),
        () => auth.api.removeTeamMember({ headers: H("owner"), body: { teamId: team.id, userId: U("alice"), organizationId: orgId } }),
        [tm("alice")],
      );
      await auth.api.addTeamMember({ headers: H("owner"), body: { teamId: team.id, userId: U("alice"), organizationId: orgId } });
      await auth.api.addTeamMember({ headers: H("owner"), body: { teamId: team.id, userId: U("bob"), organizationId: orgId } });
      await expectEvents(
        ctx(),
        () => auth.api.removeTeam({ headers: H("owner"), body: { teamId: team.id, organizationId: orgId } }),
        [tm("alice"), tm("bob")],
        { unordered: true },
      );
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "teamMember" WHERE "teamId" = $1`, [team.id]);
      assert.equal(rows[0].n, 0, "Better Auth deleted the team's members");
    });

    test("dynamic roles: create, update, rename and delete publish organization.role.changed", async () => {
      const rc = (role) => ev("organization.role.changed", role === undefined ? { organizationId: orgId } : { organizationId: orgId, role });
      await expectEvents(
        ctx(),
        () =>
          auth.api.createOrgRole({
            headers: H("owner"),
            body: { organizationId: orgId, role: "Auditor", permission: { project: ["read"] } },
          }),
        [rc("auditor")], // Better Auth lower-cases role names
      );
      await expectEvents(
        ctx(),
        () =>
          auth.api.updateOrgRole({
            headers: H("owner"),
            body: { organizationId: orgId, roleName: "auditor", data: { permission: { project: ["read", "update"] } } },
          }),
        [rc("auditor")],
      );
      // A rename concerns two names: the event names none ("some role of this organization").
      await expectEvents(
        ctx(),
        () =>
          auth.api.updateOrgRole({ headers: H("owner"), body: { organizationId: orgId, roleName: "auditor", data: { roleName: "reviewer" } } }),
        [rc(undefined)],
      );
      // Deleted by name, with the session's active organization (no organizationId in the body).
      await auth.api.createOrgRole({ headers: H("owner"), body: { organizationId: orgId, role: "temp", permission: { project: ["read"] } } });
      await expectEvents(ctx(), () => auth.api.deleteOrgRole({ headers: H("owner"), body: { roleName: "temp" } }), [rc("temp")]);
      // Deleted by id: the name is not in the request.
      const { rows } = await pool.query(`SELECT id FROM "organizationRole" WHERE "organizationId" = $1 AND role = 'reviewer'`, [orgId]);
      assert.equal(rows.length, 1);
      await expectEvents(
        ctx(),
        () => auth.api.deleteOrgRole({ headers: H("owner"), body: { organizationId: orgId, roleId: rows[0].id } }),
        [rc(undefined)],
      );
    });

    test("invitation accepted: member.added, and team.member.changed for the invitation's team", async () => {
      const invitation = await expectEvents(
        ctx(),
        () =>
          auth.api.createInvitation({
            headers: H("owner"),
            body: { email: users.carol.email, role: "member", organizationId: orgId, teamId: defaultTeamId },
          }),
        [],
      );
      await expectEvents(
        ctx(),
        () => auth.api.acceptInvitation({ headers: H("carol"), body: { invitationId: invitation.id } }),
        [
          ev("member.added", { userId: U("carol"), organizationId: orgId, role: "member" }),
          ev("team.member.changed", { userId: U("carol"), organizationId: orgId, teamId: defaultTeamId }),
        ],
      );
    });

    test("removeMember and leaveOrganization: member.removed", async () => {
      await expectEvents(
        ctx(),
        () => auth.api.removeMember({ headers: H("owner"), body: { memberIdOrEmail: users.bob.email, organizationId: orgId } }),
        [ev("member.removed", { userId: U("bob"), organizationId: orgId })],
      );
      // Better Auth has no organization hook for leaving; the plugin publishes it.
      await expectEvents(
        ctx(),
        () => auth.api.leaveOrganization({ headers: H("carol"), body: { organizationId: orgId } }),
        [ev("member.removed", { userId: U("carol"), organizationId: orgId })],
      );
    });

    test("admin plugin: banUser, unbanUser and setRole publish user.updated; removeUser publishes user.deleted", async () => {
      const updated = (label) => ev("user.updated", { userId: U(label) });
      await expectEvents(
        ctx(),
        () => auth.api.banUser({ headers: H("owner"), body: { userId: U("alice"), banReason: "test", banExpiresIn: 3600 } }),
        [updated("alice")],
      );
      const { rows } = await pool.query(`SELECT banned, "banExpires" FROM "user" WHERE id = $1`, [U("alice")]);
      assert.equal(rows[0].banned, true);
      assert.ok(rows[0].banExpires instanceof Date);
      await expectEvents(ctx(), () => auth.api.unbanUser({ headers: H("owner"), body: { userId: U("alice") } }), [updated("alice")]);
      await expectEvents(
        ctx(),
        () => auth.api.setRole({ headers: H("owner"), body: { userId: U("alice"), role: ["user", "admin"] } }),
        [updated("alice")],
      );
      await expectEvents(ctx(), () => auth.api.removeUser({ headers: H("owner"), body: { userId: U("dave") } }), [
        ev("user.deleted", { userId: U("dave") }),
      ]);
    });

    test("deleteOrganization: organization.deleted", async () => {
      await expectEvents(
        ctx(),
        () => auth.api.deleteOrganization({ headers: H("owner"), body: { organizationId: orgId } }),
        [ev("organization.deleted", { organizationId: orgId })],
      );
    });

    test("publish() and publishFlush() for changes made outside Better Auth", async () => {
      const marker = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
      await expectEvents(
        { ...ctx(), relevant: (m) => relevant(m) || m.payload.occurredAt === marker.toISOString() },
        () => {
          assert.equal(perms.publish({ type: "user.updated", userId: U("alice") }), true);
          assert.equal(perms.publishFlush(marker), true);
        },
        [ev("user.updated", { userId: U("alice") }), ev("perms.cache.flush", {})],
        { checkOccurredAt: false },
      );
      const [updated, flush] = collector.messages.filter((m) => relevant(m) || m.subject === "perms.cache.flush");
      assertOccurredAt(updated.payload.occurredAt, Date.now() - 5000, "user.updated");
      assert.deepStrictEqual(flush.payload, { occurredAt: "2030-01-02T03:04:05.678Z" });
    });

    test("prefix: every subject gets it; top-level databaseHooks plus the plugin publish once", async () => {
      const prefix = `${randomName("ptest")}.`;
      const prefixed = permsNatsEvents({ servers: env.PERMS_TEST_NATS_URL, prefix, onError: (e) => errors.push(e) });
      cleanups.push(() => prefixed.close());
      await prefixed.ready(10_000);
      const pc = await Collector.open(env.PERMS_TEST_NATS_URL, [`${prefix}>`]);
      cleanups.push(() => pc.close());
      const auth2 = makeAuth({ pool, perms: prefixed, databaseHooks: prefixed.databaseHooks });
      const pctx = { collector: pc, flush: () => prefixed.flush(), relevant };
      let org2;
      await expectEvents(
        pctx,
        async () => {
          org2 = await auth2.api.createOrganization({ body: { name: "Prefixed", slug: randomName("p-"), userId: U("owner") } });
          ours.add(org2.id);
          await auth2.api.addMember({ body: { userId: U("alice"), organizationId: org2.id, role: "member" } });
          await auth2.api.setRole({ headers: H("owner"), body: { userId: U("alice"), role: "user" } });
          const { rows } = await pool.query(`SELECT id FROM "team" WHERE "organizationId" = $1`, [org2.id]);
          return rows[0].id;
        },
        (teamId) => [
          ev(`${prefix}member.added`, { userId: U("owner"), organizationId: org2.id, role: "owner" }),
          ev(`${prefix}team.member.changed`, { userId: U("owner"), organizationId: org2.id, teamId }),
          ev(`${prefix}member.added`, { userId: U("alice"), organizationId: org2.id, role: "member" }),
          ev(`${prefix}user.updated`, { userId: U("alice") }), // once, not twice
        ],
      );
      // Nothing of it on the unprefixed subjects.
      assert.deepStrictEqual(collector.messages.filter((m) => m.payload.organizationId === org2.id), []);
    });

    test("NATS down: the Better Auth call succeeds, onError is called, events are queued or dropped and counted", async () => {
      const port = await freePort(); // nothing listens there
      const seen = [];
      const down = permsNatsEvents({
        servers: `nats://127.0.0.1:${port}`,
        maxQueued: 1,
        retryDelayMs: 60_000,
        logger: false,
        onError: (e) => {
          seen.push(e);
          throw new Error("an onError that throws must not matter either");
        },
      });
      cleanups.push(() => down.close());
      const auth3 = makeAuth({ pool, perms: down });
      const org3 = await auth3.api.createOrganization({ body: { name: "Down", slug: randomName("d-"), userId: U("owner") } });
      ours.add(org3.id);
      const member = await auth3.api.addMember({ body: { userId: U("alice"), organizationId: org3.id, role: "member" } });
      assert.equal(member.userId, U("alice"), "addMember succeeded");
      await auth3.api.banUser({ headers: H("owner"), body: { userId: U("alice") } });
      const { rows } = await pool.query(`SELECT banned FROM "user" WHERE id = $1`, [U("alice")]);
      assert.equal(rows[0].banned, true, "banUser succeeded");

      const codes = seen.map((e) => e.code);
      assert.ok(codes.includes("CONNECT_FAILED"), `CONNECT_FAILED reported (got ${codes.join(", ")})`);
      // maxQueued 1: createOrganization's member.added is queued; the rest is dropped, each one reported with its event.
      const dropped = seen.filter((e) => e.code === "QUEUE_FULL");
      assert.deepStrictEqual(
        dropped.map((e) => e.event.type),
        ["team.member.changed", "member.added", "user.updated"],
      );
      assert.equal(dropped[1].event.userId, U("alice"));
      const stats = down.stats();
      assert.equal(stats.queued, 1);
      assert.equal(stats.dropped, 3);
      assert.equal(stats.published, 0);
      assert.equal(stats.errors, seen.length);
      assert.notEqual(stats.state, "connected");
      await down.close();
      assert.equal(down.stats().dropped, 4, "close() drops what is queued");
      assert.equal(seen.at(-1).code, "DROPPED_ON_CLOSE");
      // Nothing of org3 reached the real server.
      await perms.flush();
      await collector.nc.flush();
      assert.deepStrictEqual(collector.messages.filter((m) => m.payload.organizationId === org3.id), []);
      await auth.api.unbanUser({ headers: H("owner"), body: { userId: U("alice") } });
    });

    test("a publisher on a closed connection of yours: calls still succeed, errors are reported", async () => {
      const nc = await connect({ servers: env.PERMS_TEST_NATS_URL });
      const seen = [];
      const mine = permsNatsEvents({ connection: nc, logger: false, onError: (e) => seen.push(e) });
      cleanups.push(() => mine.close());
      const auth4 = makeAuth({ pool, perms: mine });
      await nc.close();
      await sleep(20);
      await auth4.api.setRole({ headers: H("owner"), body: { userId: U("alice"), role: "user" } });
      const reported = seen.filter((e) => e.event?.type === "user.updated" && e.event.userId === U("alice"));
      assert.deepStrictEqual(reported.map((e) => e.code), ["CONNECTION_CLOSED"], "the dropped event is reported");
      await assert.rejects(mine.ready(), (e) => e.code === "CONNECTION_CLOSED");
      assert.equal(mine.stats().state, "closed");
      assert.equal(mine.stats().dropped, 1);
    });

    test("the plugin warns when organization() is not given the organization hooks; mergeOrganizationHooks keeps both", async () => {
      const logs = [];
      const logger = { error: (m) => logs.push(["error", m]), warn: (m) => logs.push(["warn", m]) };
      const p = permsNatsEvents({ servers: env.PERMS_TEST_NATS_URL, logger });
      cleanups.push(() => p.close());
      const unwired = makeAuth({ pool, perms: p, organizationHooks: null });
      await unwired.$context;
      assert.ok(logs.some(([level, m]) => level === "warn" && m.includes("organization() is not given perms' organizationHooks")), JSON.stringify(logs));

      const calls = [];
      const merged = mergeOrganizationHooks(
        { afterAddMember: async ({ member }) => void calls.push(member.userId) },
        p.organizationHooks,
      );
      logs.length = 0;
      const wired = makeAuth({ pool, perms: p, organizationHooks: merged });
      await wired.$context;
      assert.deepStrictEqual(logs, []);
      const org5 = await wired.api.createOrganization({ body: { name: "Merged", slug: randomName("m-"), userId: U("owner") } });
      ours.add(org5.id);
      assert.deepStrictEqual(calls, [U("owner")], "the app's own hook ran");
      await p.ready(10_000);
    });

    test("no error was reported by the main publisher", () => {
      assert.deepStrictEqual(errors.map((e) => `${e.code}: ${e.message}`), []);
      const s = perms.stats();
      assert.equal(s.state, "connected");
      assert.equal(s.dropped, 0);
      assert.equal(s.queued, 0);
      assert.ok(s.published >= 20, `published ${s.published}`);
    });
  });
}

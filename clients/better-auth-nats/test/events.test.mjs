// The contract's subjects and payloads, without any server.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  SUBJECTS,
  checkPrefix,
  createPermsPublisher,
  encodeEvent,
  mergeOrganizationHooks,
  permsNatsEvents,
  toIsoTimestamp,
} from "../dist/index.js";

const at = new Date(Date.UTC(2025, 0, 31, 12, 0, 0, 5));
const iso = "2025-01-31T12:00:00.005Z";

describe("encodeEvent", () => {
  test("the subjects are exactly the contract's", () => {
    assert.deepStrictEqual(
      [...SUBJECTS],
      [
        "member.role.changed",
        "member.removed",
        "member.added",
        "organization.role.changed",
        "organization.deleted",
        "user.updated",
        "user.deleted",
        "team.member.changed",
        "perms.cache.flush",
      ],
    );
  });

  test("each event's subject and payload", () => {
    const cases = [
      [
        { type: "member.role.changed", userId: "u1", organizationId: "o1", role: "admin", occurredAt: at },
        { userId: "u1", organizationId: "o1", role: "admin", occurredAt: iso },
      ],
      [{ type: "member.removed", userId: "u1", organizationId: "o1", occurredAt: at }, { userId: "u1", organizationId: "o1", occurredAt: iso }],
      [
        { type: "member.added", userId: "u1", organizationId: "o1", role: "member", occurredAt: at },
        { userId: "u1", organizationId: "o1", role: "member", occurredAt: iso },
      ],
      [
        { type: "organization.role.changed", organizationId: "o1", role: "auditor", occurredAt: at },
        { organizationId: "o1", role: "auditor", occurredAt: iso },
      ],
      [{ type: "organization.role.changed", organizationId: "o1", occurredAt: at }, { organizationId: "o1", occurredAt: iso }],
      [{ type: "organization.deleted", organizationId: "o1", occurredAt: at }, { organizationId: "o1", occurredAt: iso }],
      [{ type: "user.updated", userId: "u1", occurredAt: at }, { userId: "u1", occurredAt: iso }],
      [{ type: "user.deleted", userId: "u1", occurredAt: at }, { userId: "u1", occurredAt: iso }],
      [
        { type: "team.member.changed", userId: "u1", organizationId: "o1", teamId: "t1", occurredAt: at },
        { userId: "u1", organizationId: "o1", teamId: "t1", occurredAt: iso },
      ],
      [{ type: "perms.cache.flush", occurredAt: at }, { occurredAt: iso }],
    ];
    for (const [event, payload] of cases) {
      const e = encodeEvent(event);
      assert.equal(e.subject, event.type);
      assert.deepStrictEqual(e.payload, payload);
      assert.equal(e.data, JSON.stringify(payload));
      assert.deepStrictEqual(JSON.parse(e.data), payload);
    }
  });

  test("fields outside the contract are not published", () => {
    const e = encodeEvent({ type: "user.deleted", userId: "u1", organizationId: "o1", role: "x", secret: "s", occurredAt: at });
    assert.deepStrictEqual(e.payload, { userId: "u1", occurredAt: iso });
  });

  test("role: an array is joined like Better Auth stores it; empty or null is left out", () => {
    const base = { type: "member.added", userId: "u", organizationId: "o", occurredAt: at };
    assert.equal(encodeEvent({ ...base, role: ["admin", "member"] }).payload.role, "admin,member");
    assert.equal("role" in encodeEvent({ ...base, role: "" }).payload, false);
    assert.equal("role" in encodeEvent({ ...base, role: null }).payload, false);
    assert.throws(() => encodeEvent({ ...base, role: 3 }), TypeError);
  });

  test("prefix", () => {
    assert.equal(encodeEvent({ type: "member.added", userId: "u", organizationId: "o" }, "myapp.").subject, "myapp.member.added");
    assert.equal(encodeEvent({ type: "perms.cache.flush" }, "prod.myapp.").subject, "prod.myapp.perms.cache.flush");
    for (const ok of ["", undefined, "myapp.", "a.b.", "my-app_1."]) assert.equal(checkPrefix(ok), ok ?? "");
    for (const bad of ["myapp", ".myapp.", "a..b.", "my app.", "a.*.", "a.>.", "tab\t.", "x\u0001."]) {
      assert.throws(() => checkPrefix(bad), TypeError, JSON.stringify(bad));
    }
  });

  test("occurredAt: Date, Unix milliseconds or a date string, written as ISO-8601 UTC; defaults to now", () => {
    assert.equal(toIsoTimestamp(at), iso);
    assert.equal(toIsoTimestamp(at.getTime()), iso);
    assert.equal(toIsoTimestamp("2025-01-31T13:00:00.005+01:00"), iso);
    const before = Date.now();
    const now = Date.parse(encodeEvent({ type: "perms.cache.flush" }).payload.occurredAt);
    assert.ok(now >= before && now <= Date.now());
    assert.throws(() => toIsoTimestamp("yesterday"), TypeError);
    assert.throws(() => toIsoTimestamp(Number.NaN), TypeError);
    assert.throws(() => toIsoTimestamp({}), TypeError);
  });

  test("invalid events are refused with a TypeError naming the problem", () => {
    assert.throws(() => encodeEvent({ type: "member.updated", userId: "u" }), /unknown event type "member.updated"/);
    assert.throws(() => encodeEvent(null), TypeError);
    assert.throws(() => encodeEvent({ type: "member.added", organizationId: "o" }), /member.added: userId must be a string/);
    assert.throws(() => encodeEvent({ type: "member.added", userId: "", organizationId: "o" }), /userId is empty/);
    assert.throws(() => encodeEvent({ type: "team.member.changed", userId: "u", organizationId: "o" }), /teamId must be a string/);
    assert.throws(() => encodeEvent({ type: "organization.deleted", organizationId: 7 }), /organizationId must be a string/);
    assert.throws(() => encodeEvent({ type: "user.updated", userId: "é".repeat(128) }), /longer than 255 bytes/);
    assert.doesNotThrow(() => encodeEvent({ type: "user.updated", userId: "a".repeat(255) }));
  });
});

describe("options", () => {
  test("a publisher needs exactly one of connection and servers, and a valid prefix and maxQueued", () => {
    assert.throws(() => createPermsPublisher({}), /give `connection`/);
    assert.throws(() => createPermsPublisher({ servers: [] }), /give `connection`/);
    assert.throws(() => createPermsPublisher({ servers: "nats://127.0.0.1:1", connection: {} }), /not both/);
    assert.throws(() => createPermsPublisher({ servers: "nats://127.0.0.1:1", prefix: "myapp" }), /prefix "myapp" is not valid/);
    assert.throws(() => createPermsPublisher({ servers: "nats://127.0.0.1:1", maxQueued: -1 }), /maxQueued/);
    assert.throws(() => permsNatsEvents(), TypeError);
  });

  test("permsNatsEvents with a publisher takes no connection options", async () => {
    // A publisher whose server is unreachable: nothing here needs it.
    const publisher = createPermsPublisher({ servers: "nats://127.0.0.1:1", logger: false, onError: () => {}, retryDelayMs: 60_000 });
    try {
      assert.throws(() => permsNatsEvents({ publisher, prefix: "x." }), /leave out prefix/);
      assert.throws(() => permsNatsEvents({ publisher: { publish() {} } }), /createPermsPublisher/);
      const perms = permsNatsEvents({ publisher });
      assert.equal(perms.publisher, publisher);
      assert.equal(perms.plugin.id, "perms-nats-events");
      assert.deepStrictEqual(Object.keys(perms.organizationHooks).sort(), [
        "afterAcceptInvitation",
        "afterAddMember",
        "afterAddTeamMember",
        "afterCreateTeam",
        "afterDeleteOrganization",
        "afterDeleteTeam",
        "afterRemoveMember",
        "afterRemoveTeamMember",
        "afterUpdateMemberRole",
        "beforeDeleteTeam",
      ]);
      assert.deepStrictEqual(Object.keys(perms.databaseHooks.user).sort(), ["delete", "update"]);
    } finally {
      await publisher.close();
    }
  });
});

describe("mergeOrganizationHooks", () => {
  test("runs every hook in order, each awaited, and returns the first result that is not undefined", async () => {
    const calls = [];
    const merged = mergeOrganizationHooks(
      {
        beforeAddMember: async (d) => {
          calls.push(["a", d.n]);
          return { data: { role: "x" } };
        },
      },
      undefined,
      {
        beforeAddMember: async (d) => {
          await new Promise((r) => setTimeout(r, 5));
          calls.push(["b", d.n]);
          return { data: { role: "y" } };
        },
        afterAddMember: async () => {
          calls.push(["c"]);
        },
      },
    );
    assert.deepStrictEqual(await merged.beforeAddMember({ n: 1 }), { data: { role: "x" } });
    assert.equal(await merged.afterAddMember({}), undefined);
    assert.deepStrictEqual(calls, [["a", 1], ["b", 1], ["c"]]);
  });

  test("a throwing hook does not stop the others; the first error is thrown after all ran", async () => {
    let ran = false;
    const merged = mergeOrganizationHooks(
      { afterAddMember: async () => Promise.reject(new Error("mine")) },
      { afterAddMember: async () => void (ran = true) },
      { afterAddMember: async () => Promise.reject(new Error("second")) },
    );
    await assert.rejects(merged.afterAddMember({}), /mine/);
    assert.equal(ran, true);
  });
});

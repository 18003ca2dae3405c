// The publisher on a real nats-server: exact messages, a connection of yours, and outages (a private nats-server of
// this test, stopped and started again).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";

import { connect } from "@nats-io/transport-node";

import { createPermsPublisher } from "../dist/index.js";
import { Collector, expectEvents, freePort, randomName, requireEnv, sleep, startNatsServer } from "./helpers.mjs";

const env = requireEnv("publisher.test.mjs", ["PERMS_TEST_NATS_URL", "PERMS_TEST_NATS_SERVER"]);

async function until(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

if (env) {
  describe("createPermsPublisher on a real nats-server", () => {
    const cleanups = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c().catch((e) => process.stderr.write(`cleanup: ${e.message}\n`));
    });

    test("publishes the exact subject and payload; stats count it", async () => {
      const errors = [];
      const p = createPermsPublisher({ servers: env.PERMS_TEST_NATS_URL, onError: (e) => errors.push(e) });
      cleanups.push(() => p.close());
      await p.ready(10_000);
      const c = await Collector.open(env.PERMS_TEST_NATS_URL, ["member.>", "perms.>"]);
      cleanups.push(() => c.close());
      const userId = randomName("u-");
      const at = new Date(Date.UTC(2031, 5, 6, 7, 8, 9, 10));
      await expectEvents(
        { collector: c, flush: () => p.flush(), relevant: (m) => m.payload.userId === userId || m.payload.occurredAt === at.toISOString() },
        () => {
          assert.equal(p.publish({ type: "member.added", userId, organizationId: "org-1", role: "member", occurredAt: at }), true);
          assert.equal(p.publishFlush(at.getTime()), true);
        },
        [
          { subject: "member.added", payload: { userId, organizationId: "org-1", role: "member" } },
          { subject: "perms.cache.flush", payload: {} },
        ],
        { checkOccurredAt: false },
      );
      const mine = c.messages.filter((m) => m.payload.userId === userId || m.payload.occurredAt === at.toISOString());
      assert.deepStrictEqual(
        mine.map((m) => m.payload.occurredAt),
        ["2031-06-06T07:08:09.010Z", "2031-06-06T07:08:09.010Z"],
      );
      assert.throws(() => p.publish({ type: "member.added", organizationId: "o" }), TypeError, "an invalid event is the caller's bug");
      const s = p.stats();
      assert.deepStrictEqual({ ...s, published: s.published >= 2 }, {
        state: "connected",
        published: true,
        queued: 0,
        dropped: 0,
        errors: 0,
        disconnects: 0,
      });
      assert.deepStrictEqual(errors, []);
    });

    test("with your connection: the prefix is applied, and close() leaves your connection open", async () => {
      const nc = await connect({ servers: env.PERMS_TEST_NATS_URL });
      cleanups.push(() => nc.close());
      const prefix = `${randomName("pp")}.`;
      const p = createPermsPublisher({ connection: nc, prefix });
      const c = await Collector.open(env.PERMS_TEST_NATS_URL, [`${prefix}>`]);
      cleanups.push(() => c.close());
      await expectEvents(
        { collector: c, flush: () => p.flush(), relevant: () => true },
        () => p.publish({ type: "organization.role.changed", organizationId: "org-9", role: "auditor" }),
        [{ subject: `${prefix}organization.role.changed`, payload: { organizationId: "org-9", role: "auditor" } }],
      );
      await p.close();
      assert.equal(nc.isClosed(), false);
      // After close(): dropped and reported (to the logger here, which is given).
      const logged = [];
      const q = createPermsPublisher({ connection: nc, logger: { error: (m) => logged.push(m), warn: () => {} } });
      await q.close();
      assert.equal(q.publish({ type: "user.updated", userId: "u" }), false);
      assert.equal(logged.length, 1);
      assert.match(logged[0], /PUBLISHER_CLOSED/);
    });

    test("NATS down at start: events are queued, sent once the server is up; overflow is dropped and reported", async () => {
      const port = await freePort();
      const url = `nats://127.0.0.1:${port}`;
      const errors = [];
      const p = createPermsPublisher({
        servers: url,
        maxQueued: 2,
        retryDelayMs: 1000,
        maxRetryDelayMs: 1000,
        logger: false,
        onError: (e) => errors.push(e),
      });
      cleanups.push(() => p.close());
      const userId = randomName("u-");
      assert.equal(p.publish({ type: "user.updated", userId }), true);
      assert.equal(p.publish({ type: "user.deleted", userId }), true);
      assert.equal(p.publish({ type: "user.updated", userId: "overflow" }), false);
      await until(() => errors.some((e) => e.code === "CONNECT_FAILED"), 5000, "CONNECT_FAILED");
      assert.equal(p.stats().state, "disconnected");
      assert.deepStrictEqual(
        errors.filter((e) => e.code === "QUEUE_FULL").map((e) => e.event),
        [{ type: "user.updated", userId: "overflow" }],
      );
      await assert.rejects(p.flush(), (e) => e.code === "NOT_CONNECTED");

      const server = await startNatsServer(env.PERMS_TEST_NATS_SERVER, port);
      cleanups.push(() => server.stop());
      // The subscriber is there well before the publisher's next try (1 s apart).
      const c = await Collector.open(url, ["user.>"]);
      cleanups.push(() => c.close());
      await p.ready(10_000);
      await p.flush();
      await c.nc.flush();
      await until(() => c.messages.length >= 2, 5000, "the queued events");
      assert.deepStrictEqual(
        c.messages.map((m) => [m.subject, m.payload.userId]),
        [
          ["user.updated", userId],
          ["user.deleted", userId],
        ],
      );
      assert.deepStrictEqual({ ...p.stats(), errors: undefined }, {
        state: "connected",
        published: 2,
        queued: 0,
        dropped: 1,
        errors: undefined,
        disconnects: 0,
      });
      await server.stop();
    });

    test("connection lost and back: events published meanwhile are queued and sent after the reconnect", async () => {
      const port = await freePort();
      let server = await startNatsServer(env.PERMS_TEST_NATS_SERVER, port);
      cleanups.push(() => server.stop());
      const url = server.url;
      const errors = [];
      const warnings = [];
      const p = createPermsPublisher({
        servers: url,
        connectOptions: { reconnectTimeWait: 1000 },
        logger: { error: () => {}, warn: (m) => warnings.push(m) },
        onError: (e) => errors.push(e),
      });
      cleanups.push(() => p.close());
      await p.ready(10_000);
      assert.equal(p.publish({ type: "user.updated", userId: "before" }), true);
      await p.flush();

      await server.stop();
      await until(() => p.stats().state === "disconnected", 10_000, "the publisher to see the disconnect");
      assert.match(warnings.join("\n"), /connection lost/);
      const userId = randomName("u-");
      assert.equal(p.publish({ type: "team.member.changed", userId, organizationId: "o", teamId: "t" }), true);
      assert.equal(p.publish({ type: "member.removed", userId, organizationId: "o" }), true);
      assert.equal(p.stats().queued, 2);

      server = await startNatsServer(env.PERMS_TEST_NATS_SERVER, port);
      const c = await Collector.open(url, ["team.>", "member.>"]);
      cleanups.push(() => c.close());
      await p.ready(10_000);
      await until(() => p.stats().state === "connected" && p.stats().queued === 0, 10_000, "the queue to be sent");
      await p.flush();
      await c.nc.flush();
      await until(() => c.messages.length >= 2, 5000, "the queued events");
      assert.deepStrictEqual(
        c.messages.map((m) => [m.subject, m.payload]),
        [
          ["team.member.changed", { userId, organizationId: "o", teamId: "t", occurredAt: c.messages[0].payload.occurredAt }],
          ["member.removed", { userId, organizationId: "o", occurredAt: c.messages[1].payload.occurredAt }],
        ],
      );
      const s = p.stats();
      assert.equal(s.disconnects, 1);
      assert.equal(s.dropped, 0);
      assert.deepStrictEqual(errors.map((e) => e.code), []);
      await p.close();
      assert.equal(p.stats().state, "closed");
      await server.stop();
    });
  });
}

// Shared by the tests: the environment scripts/test provides, a private database, a NATS subscriber that records
// what it receives, and checks of exact events.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";

import { connect } from "@nats-io/transport-node";
import pg from "pg";

export { sleep };

const INSTRUCTIONS =
  "These tests need a real PostgreSQL 15 and nats-server. Run scripts/test from the repository root, or start them " +
  "yourself and export the variables:\n" +
  "  bash -c '. scripts/lib/servers.sh && perms_start_postgres && perms_start_nats && perms_write_env_files && cat \"$PERMS_RUN_DIR/env\"'\n" +
  "  (then `. /tmp/perms.XXXXXX/env`, and `/tmp/perms.XXXXXX/stop` when done)";

/**
 * The variables `names` from the environment. When one is missing, registers ONE failing test that says how to
 * provide them, and returns null: the caller then defines no other test (these tests never skip).
 */
export function requireEnv(file, names) {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length === 0) return Object.fromEntries(names.map((n) => [n, process.env[n]]));
  test(`${file}: test environment`, () => {
    assert.fail(`missing environment variable(s) ${missing.join(", ")}. ${INSTRUCTIONS}`);
  });
  return null;
}

export const randomName = (prefix) => `${prefix}${randomBytes(6).toString("hex")}`;

/** A fresh database on the server of `adminUrl`; `drop()` removes it. */
export async function createDatabase(adminUrl, prefix = "perms_ba_nats_") {
  const name = randomName(prefix);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect().catch((e) => {
    throw new Error(`cannot connect to PERMS_TEST_POSTGRES_URL: ${e.message}`);
  });
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A TCP port nothing listens on (right now). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `bin` (nats-server) on 127.0.0.1:`port`; resolves when it accepts connections. */
export async function startNatsServer(bin, port) {
  const child = spawn(bin, ["-a", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited at start: ${stderr}`);
    try {
      const nc = await connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false, timeout: 1000 });
      await nc.close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`nats-server on ${port} did not accept connections: ${stderr}`);
      }
      await sleep(50);
    }
  }
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** Records every message received on `subjects` (a JSON payload is parsed). */
export class Collector {
  constructor(nc, subjects) {
    this.nc = nc;
    this.messages = [];
    this.subscriptions = subjects.map((subject) =>
      nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return;
          let payload;
          try {
            payload = JSON.parse(msg.string());
          } catch {
            payload = { unparsable: msg.string() };
          }
          this.messages.push({ subject: msg.subject, payload });
        },
      }),
    );
  }

  static async open(url, subjects) {
    const nc = await connect({ servers: url, name: "perms-better-auth-nats-test-subscriber" });
    const c = new Collector(nc, subjects);
    await nc.flush(); // the subscriptions are registered on the server
    return c;
  }

  clear() {
    this.messages = [];
  }

  async close() {
    await this.nc.close();
  }
}

/** Checks that `occurredAt` is ISO-8601 UTC (as Date#toISOString writes it) and within [from - 1 s, now + 1 s]. */
export function assertOccurredAt(value, from, context = "") {
  assert.equal(typeof value, "string", `${context} occurredAt must be a string, got ${JSON.stringify(value)}`);
  assert.match(value, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, `${context} occurredAt ${value} is not ISO-8601 UTC`);
  const t = Date.parse(value);
  assert.equal(new Date(t).toISOString(), value, `${context} occurredAt ${value} is not a valid date`);
  assert.ok(t >= from - 1000 && t <= Date.now() + 1000, `${context} occurredAt ${value} is not near now (${new Date(from).toISOString()})`);
}

async function waitFor(predicate, timeoutMs, describe) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`);
    await sleep(10);
  }
}

/**
 * Runs `action`, then checks that the messages `collector` received that `relevant` accepts are exactly `expected`
 * ([{ subject, payload-without-occurredAt }], in order unless `unordered`; or a function of `action`'s result giving
 * them, for ids known only afterwards), each with an `occurredAt` near now (unless `checkOccurredAt` is false).
 * `flush` makes the publisher's messages reach the server. Returns what `action` returned.
 */
export async function expectEvents(
  { collector, flush, relevant },
  action,
  expectedOrFn,
  { unordered = false, graceMs = 150, checkOccurredAt = true } = {},
) {
  // Whatever was published before belongs to earlier steps: let it arrive, then forget it.
  await flush();
  await collector.nc.flush();
  await sleep(20);
  collector.clear();
  const from = Date.now();
  const result = await action();
  const expected = typeof expectedOrFn === "function" ? expectedOrFn(result) : expectedOrFn;
  await flush();
  await collector.nc.flush();
  const mine = () => collector.messages.filter((m) => relevant(m));
  await waitFor(
    () => mine().length >= expected.length,
    5000,
    () => `${expected.length} event(s); got ${JSON.stringify(mine())}`,
  );
  // Anything more would be published by now.
  await sleep(graceMs);
  await flush();
  await collector.nc.flush();
  const got = mine();
  if (checkOccurredAt) for (const m of got) assertOccurredAt(m.payload.occurredAt, from, m.subject);
  const strip = ({ subject, payload: { occurredAt, ...rest } }) => ({ subject, payload: rest });
  const key = (e) => JSON.stringify(e);
  let actual = got.map(strip);
  let wanted = expected;
  if (unordered) {
    actual = [...actual].sort((a, b) => key(a).localeCompare(key(b)));
    wanted = [...expected].sort((a, b) => key(a).localeCompare(key(b)));
  }
  assert.deepStrictEqual(actual, wanted);
  return result;
}

#!/usr/bin/env node
// A real Better Auth 1.7.25 HTTP server over a load-test dataset (perms-loadtest generate), so that
// `perms-loadtest compare` measures Better Auth's own `POST /api/auth/organization/has-permission` beside Perms.
//
//   node server.mjs --database postgres://USER:PASSWORD@HOST:PORT/DB [--schema public] [--port 0]
//                   [--policy FILE] [--pool-size 10] [--exit-with-stdin]
//
// It listens on 127.0.0.1 only and prints ONE JSON line on stdout when ready: {"port":N}. Logs go to stderr.
//
// Better Auth is configured as the harness's dataset needs: the organization plugin with the policy's statements and
// roles (Better Auth's defaults without --policy), dynamic access control and teams on; the admin plugin; the bearer
// plugin, so a session token is sent as `Authorization: Bearer TOKEN`.
//
// The generated data has no sessions, so the server adds one route of its own (not Better Auth's; a test server,
// never to be exposed):
//
//   POST /harness/sessions  {"userIds":["u00000000",…]}  ->  {"tokens":{"u00000000":"TOKEN",…},"failed":{"id":"why"}}
//
// Sessions come from Better Auth's internal adapter (createSession), so Better Auth accepts them like any sign-in's.
// The admin plugin refuses to create a session for a banned user (its session.create.before hook); for those the
// session row is written through Better Auth's own database adapter without hooks — a session that existed before
// the ban, which Better Auth keeps accepting: hasPermission never reads user.banned.

import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import { betterAuth } from "better-auth";
import { toNodeHandler } from "better-auth/node";
import { admin, bearer, organization } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import {
  defaultRoles as adminDefaultRoles,
  defaultStatements as adminDefaultStatements,
} from "better-auth/plugins/admin/access";
import {
  defaultRoles as orgDefaultRoles,
  defaultStatements as orgDefaultStatements,
} from "better-auth/plugins/organization/access";
import pg from "pg";

// stdout carries the one ready line; Better Auth's logger and any stray console.log go to stderr.
console.log = console.error;
console.info = console.error;
console.debug = console.error;
console.warn = console.error;

const USAGE =
  "usage: node server.mjs --database postgres://USER:PASSWORD@HOST:PORT/DB [--schema public] [--port 0]\n" +
  "                       [--policy FILE] [--pool-size 10] [--exit-with-stdin]\n" +
  "  --database         PostgreSQL holding Better Auth's tables (or DATABASE_URL)\n" +
  "  --schema           their schema (search_path); default public\n" +
  "  --port             0 picks a free port; the ready line {\"port\":N} on stdout tells which\n" +
  "  --policy           a Perms policy file (docs/policy.md): Better Auth gets the same statements, roles,\n" +
  "                     dynamicAccessControl and adminUserIds; default: Better Auth's defaults, dynamic roles on\n" +
  "  --pool-size        pg Pool size (pg's default 10, as an app would run it)\n" +
  "  --exit-with-stdin  exit when stdin closes (the parent process is gone)";

const SESSION_BATCH_LIMIT = 10_000;
const TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

class UsageError extends Error {}

function parseOptions(argv) {
  let args;
  try {
    ({ values: args } = parseArgs({
      args: argv,
      options: {
        database: { type: "string" },
        schema: { type: "string", default: "public" },
        port: { type: "string", default: "0" },
        policy: { type: "string" },
        "pool-size": { type: "string", default: "10" },
        "exit-with-stdin": { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (args.help) return { help: true };
  const problems = [];
  const database = args.database ?? process.env.DATABASE_URL;
  if (!database) problems.push("--database is required (or set DATABASE_URL)");
  else if (!/^postgres(ql)?:\/\//.test(database)) problems.push("--database must be a postgres:// URL");
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(args.schema)) {
    problems.push(`--schema must be an SQL identifier of at most 63 characters (got ${JSON.stringify(args.schema)})`);
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`--port must be 0–65535 (got ${args.port})`);
  const poolSize = Number(args["pool-size"]);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    problems.push(`--pool-size must be 1–1000 (got ${args["pool-size"]})`);
  }
  if (problems.length) throw new UsageError(problems.join("\n"));
  return {
    database,
    schema: args.schema,
    port,
    policyPath: args.policy,
    poolSize,
    exitWithStdin: args["exit-with-stdin"],
  };
}

// The policy file allows // and /* */ comments (docs/policy.md); strip them outside strings before JSON.parse.
function stripJsonComments(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      out += text.slice(start, i + 1);
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
      out += " ";
    } else {
      out += c;
    }
  }
  return out;
}

// The same facts the silo reads from the policy, turned into the Better Auth options an app would write in TypeScript.
function accessControlFrom(policyPath) {
  const policy = policyPath ? JSON.parse(stripJsonComments(readFileSync(policyPath, "utf8"))) : {};
  const org = policy.organization ?? {};
  const orgStatements = org.statements ?? orgDefaultStatements;
  const orgAc = createAccessControl(orgStatements);
  const orgRoles = org.roles
    ? Object.fromEntries(Object.entries(org.roles).map(([name, grants]) => [name, orgAc.newRole(grants)]))
    : orgDefaultRoles;
  const adm = policy.admin ?? {};
  const adminOptions = {
    adminUserIds: adm.adminUserIds ?? [],
    defaultRole: adm.defaultRole ?? "user",
  };
  if (adm.roles) {
    const adminAc = createAccessControl(adm.statements ?? adminDefaultStatements);
    adminOptions.ac = adminAc;
    adminOptions.roles = Object.fromEntries(Object.entries(adm.roles).map(([name, grants]) => [name, adminAc.newRole(grants)]));
  } else {
    adminOptions.roles = adminDefaultRoles;
  }
  return {
    // Without a policy the harness's dataset has dynamic roles, so they are on; a policy decides for itself.
    dynamic: policyPath ? org.dynamicAccessControl?.enabled === true : true,
    orgAc,
    orgRoles,
    adminOptions,
  };
}

function makeAuth({ pool, baseURL, access }) {
  return betterAuth({
    appName: "perms-loadtest",
    baseURL,
    secret: process.env.BETTER_AUTH_SECRET ?? "perms-loadtest-better-auth-secret-0123456789abcdef",
    database: pool,
    logger: { level: "error" },
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    plugins: [
      organization({
        // hasPermission merges organizationRole rows only when `ac` is given (better-auth 1.7.25 has-permission.mjs).
        ac: access.orgAc,
        roles: access.orgRoles,
        dynamicAccessControl: { enabled: access.dynamic },
        teams: { enabled: true },
      }),
      admin(access.adminOptions),
      bearer(),
    ],
  });
}

// Better Auth's own token shape (generateId(32): 32 alphanumerics); it must hold no "." for the bearer plugin.
function newToken() {
  let token = "";
  for (let i = 0; i < 32; i++) token += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return token;
}

async function createSessionFor(context, userId) {
  try {
    const session = await context.internalAdapter.createSession(userId);
    return { token: session.token };
  } catch (e) {
    if (e?.body?.code !== "BANNED_USER") throw e;
  }
  const now = new Date();
  const session = await context.adapter.create({
    model: "session",
    data: {
      token: newToken(),
      userId,
      expiresAt: new Date(now.getTime() + context.sessionConfig.expiresIn * 1000),
      createdAt: now,
      updatedAt: now,
      ipAddress: "",
      userAgent: "",
    },
  });
  return { token: session.token, banned: true };
}

async function createSessions(context, userIds, concurrency) {
  const tokens = {};
  const failed = {};
  const banned = [];
  let next = 0;
  const worker = async () => {
    while (next < userIds.length) {
      const userId = userIds[next++];
      try {
        const made = await createSessionFor(context, userId);
        tokens[userId] = made.token;
        if (made.banned) banned.push(userId);
      } catch (e) {
        failed[userId] = String(e?.body?.message ?? e?.message ?? e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, userIds.length) }, worker));
  return { tokens, failed, banned };
}

async function readJson(request) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > 4 * 1024 * 1024) throw new UsageError("request body over 4 MiB");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new UsageError("request body is not JSON");
  }
}

function send(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

async function harnessRoute(request, response, state) {
  if (request.url === "/harness/health" && request.method === "GET") {
    send(response, 200, { ok: true });
    return;
  }
  if (request.url !== "/harness/sessions" || request.method !== "POST") {
    send(response, 404, { error: "unknown harness route; POST /harness/sessions {userIds:[…]}" });
    return;
  }
  try {
    const body = await readJson(request);
    const ids = body?.userIds;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string" || id.length === 0)) {
      throw new UsageError("body must be {\"userIds\": [non-empty strings]}");
    }
    if (ids.length > SESSION_BATCH_LIMIT) throw new UsageError(`at most ${SESSION_BATCH_LIMIT} userIds per request`);
    const context = await state.auth.$context;
    send(response, 200, await createSessions(context, [...new Set(ids)], state.poolSize));
  } catch (e) {
    if (e instanceof UsageError) send(response, 400, { error: e.message });
    else send(response, 500, { error: String(e?.message ?? e) });
  }
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }

  let access;
  try {
    access = accessControlFrom(options.policyPath);
  } catch (e) {
    process.stderr.write(`--policy ${options.policyPath}: ${e.message}\n`);
    return 2;
  }

  const pool = new pg.Pool({
    connectionString: options.database,
    max: options.poolSize,
    ...(options.schema !== "public" ? { options: `-c search_path=${options.schema}` } : {}),
  });
  pool.on("error", (e) => process.stderr.write(`pg pool error: ${e.message}\n`));
  try {
    await pool.query('SELECT 1 FROM "user" LIMIT 1');
  } catch (e) {
    process.stderr.write(
      `cannot read Better Auth's "user" table in schema ${options.schema}: ${e.message}\n` +
        "  (create the tables with Better Auth's migration first: tests/js/better-auth-differential.mjs --migrate-only)\n",
    );
    await pool.end();
    return 1;
  }

  // Better Auth wants its base URL up front; with --port 0 that is known only once listening, so requests (none can
  // arrive before the ready line names the port) reach the handler made right after.
  const state = { auth: null, handler: null, poolSize: options.poolSize };
  const server = createServer((request, response) => {
    if (request.url?.startsWith("/harness/")) {
      harnessRoute(request, response, state).catch((e) => send(response, 500, { error: String(e?.message ?? e) }));
    } else {
      state.handler(request, response);
    }
  });
  // Load generators hold their connections; Node's 5 s default would close idle ones between phases.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  state.auth = makeAuth({ pool, baseURL: `http://127.0.0.1:${port}`, access });
  state.handler = toNodeHandler(state.auth);
  await state.auth.$context;

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections?.();
    server.close(() => pool.end().finally(() => process.exit(0)));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (options.exitWithStdin) {
    process.stdin.on("end", stop);
    process.stdin.on("close", stop);
    process.stdin.resume();
  }

  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.stderr.write(
    `better-auth 1.7.25 on http://127.0.0.1:${port} (schema ${options.schema}, pool ${options.poolSize}, ` +
      `dynamic roles ${access.dynamic ? "on" : "off"}${options.policyPath ? `, policy ${options.policyPath}` : ""})\n`,
  );
  return null;
}

main().then(
  (code) => {
    if (code !== null) process.exit(code);
  },
  (e) => {
    process.stderr.write(`server.mjs failed: ${e?.stack ?? e}\n`);
    process.exit(1);
  },
);

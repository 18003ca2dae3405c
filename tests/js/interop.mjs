#!/usr/bin/env node
// Interop check of Perms' gRPC API with a real third-party client: @grpc/grpc-js and @grpc/proto-loader loading the
// repository's own .proto files. Run by tests/IntegrationTests/Api/InteropTests.cs against a real silo process;
// tests/python/interop.py makes the same calls with Debian's python3-grpcio and prints the same document.
//
//   node tests/js/interop.mjs --address 127.0.0.1:PORT --token TOKEN --ids IDS_JSON            # every call
//   node tests/js/interop.mjs … --only check --user bob --org globex --permission project:read --deadline-ms 300
//
// --address, --token and --ids fall back to PERMS_ADDRESS, PERMS_TOKEN and PERMS_IDS. IDS_JSON is demo/seed.mjs'
// output ({ users: { alice, … }, organizations: { acme, globex } }); --user and --org take those names.
// stdout carries ONE JSON document: { client, results: { <call>: outcome } } where an outcome is
// { ok: true, response } or { ok: false, code: "<status code name>", message }. Responses use the proto field names;
// timestamps are RFC 3339 strings; unset message fields are left out. Exit code 0 whatever the calls answered,
// 2 for bad usage, 1 when the script itself fails.

import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    address: { type: "string" },
    token: { type: "string" },
    ids: { type: "string" },
    only: { type: "string" },
    user: { type: "string" },
    org: { type: "string" },
    permission: { type: "string", default: "project:read" },
    "deadline-ms": { type: "string", default: "5000" },
  },
});
const address = args.address ?? process.env.PERMS_ADDRESS;
const token = args.token ?? process.env.PERMS_TOKEN;
const idsText = args.ids ?? process.env.PERMS_IDS;
if (!address || !token || !idsText || (args.only && args.only !== "check")) {
  process.stderr.write("usage: node tests/js/interop.mjs --address HOST:PORT --token TOKEN --ids IDS_JSON [--only check --user NAME --org NAME [--permission r:a,b] [--deadline-ms N]]\n");
  process.exit(2);
}
const ids = JSON.parse(idsText);
const user = (name) => ids.users[name] ?? name;
const org = (name) => ids.organizations[name] ?? name;

const protos = fileURLToPath(new URL("../../src/Grains.Interfaces/Protos/", import.meta.url));
const definition = protoLoader.loadSync(["perms/v1/permission_service.proto", "grpc/health/v1/health.proto"], {
  includeDirs: [protos],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: false,
});
const loaded = grpc.loadPackageDefinition(definition);
const credentials = grpc.credentials.createInsecure();
// Never through an HTTP proxy from the environment: the server is on loopback.
const channelOptions = { "grpc.enable_http_proxy": 0 };
const permissions = new loaded.perms.v1.PermissionService(address, credentials, channelOptions);
const health = new loaded.grpc.health.v1.Health(address, credentials, channelOptions);

function bearer(value) {
  const metadata = new grpc.Metadata();
  if (value !== undefined) metadata.set("authorization", `Bearer ${value}`);
  return metadata;
}
const authorized = () => bearer(token);

// google.protobuf.Timestamp as protobuf's JSON mapping writes it; null (unset message fields) left out.
function clean(value) {
  if (Array.isArray(value)) return value.map(clean);
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  if (keys.length === 2 && keys.includes("seconds") && keys.includes("nanos")) {
    return new Date(Number(value.seconds) * 1000 + Math.floor(value.nanos / 1e6)).toISOString();
  }
  const result = {};
  for (const key of keys) {
    if (value[key] !== null && value[key] !== undefined) result[key] = clean(value[key]);
  }
  return result;
}

function call(client, method, request, { metadata = authorized(), deadlineMs = 5000 } = {}) {
  return new Promise((resolve) =>
    client[method](request, metadata, { deadline: Date.now() + deadlineMs }, (error, response) =>
      resolve(error ? { ok: false, code: grpc.status[error.code] ?? String(error.code), message: error.details } : { ok: true, response: clean(response) }),
    ),
  );
}

// A method the server does not have, through the generic client API.
function callUnknownMethod() {
  const path = "/perms.v1.PermissionService/NoSuchMethod";
  return new Promise((resolve) =>
    permissions.makeUnaryRequest(path, (x) => x, (x) => x, Buffer.alloc(0), authorized(), { deadline: Date.now() + 5000 }, (error) =>
      resolve(error ? { ok: false, code: grpc.status[error.code] ?? String(error.code), message: error.details } : { ok: true, response: {} }),
    ),
  );
}

function parsePermission(text) {
  const result = {};
  for (const item of text.split(" ")) {
    const [resource, actions] = item.split(":");
    result[resource] = { actions: actions ? actions.split(",") : [] };
  }
  return result;
}

const check = (userName, orgName, permission, extra = {}) => ({
  user_id: user(userName),
  organization_id: org(orgName),
  permissions: parsePermission(permission),
  explain: true,
  ...extra,
});

async function everyCall() {
  const results = {};
  results.health = await call(health, "Check", { service: "" }, { metadata: new grpc.Metadata() });
  results.health_permission_service = await call(health, "Check", { service: "perms.v1.PermissionService" }, { metadata: new grpc.Metadata() });
  results.health_unknown_service = await call(health, "Check", { service: "no.such.Service" }, { metadata: new grpc.Metadata() });

  results.check_allowed = await call(permissions, "CheckPermission", check("carol", "acme", "project:read"));
  results.check_denied = await call(permissions, "CheckPermission", check("carol", "acme", "project:delete"));
  results.check_banned = await call(permissions, "CheckPermission", check("erin", "acme", "member:create"));
  results.check_not_a_member = await call(permissions, "CheckPermission", check("alice", "globex", "project:read"));
  results.check_dynamic_role = await call(permissions, "CheckPermission", check("dave", "acme", "member:create"));
  results.check_owner_no_explain = await call(permissions, "CheckPermission", check("alice", "acme", "project:delete organization:delete", { explain: false }));
  results.check_unknown_user = await call(permissions, "CheckPermission", check("no-such-user-interop", "acme", "project:read"));
  results.check_unknown_permission = await call(permissions, "CheckPermission", check("carol", "acme", "spaceship:launch"));
  results.check_batch = await call(permissions, "CheckPermissions", {
    checks: [
      check("carol", "acme", "project:read"),
      { ...check("carol", "acme", "project:read"), user_id: "" },
      check("bob", "acme", "project:update"),
    ],
  });
  results.check_platform = await call(permissions, "CheckPlatformPermission", { user_id: user("dave"), permissions: parsePermission("user:ban"), explain: true });
  results.check_platform_denied = await call(permissions, "CheckPlatformPermission", { user_id: user("carol"), permissions: parsePermission("user:ban"), explain: true });
  results.memberships = await call(permissions, "GetMemberships", { user_id: user("carol") });
  results.memberships_banned = await call(permissions, "GetMemberships", { user_id: user("erin") });
  results.effective = await call(permissions, "GetEffectivePermissions", { user_id: user("bob"), organization_id: org("acme") });

  results.no_token = await call(permissions, "CheckPermission", check("carol", "acme", "project:read"), { metadata: new grpc.Metadata() });
  results.wrong_token = await call(permissions, "CheckPermission", check("carol", "acme", "project:read"), { metadata: bearer(randomBytes(32).toString("base64url")) });
  results.empty_user_id = await call(permissions, "CheckPermission", { ...check("carol", "acme", "project:read"), user_id: "" });
  results.fully_consistent = await call(permissions, "CheckPermission", check("carol", "acme", "project:read", { consistency: { fully_consistent: true } }));
  const nowMs = Date.now();
  const now = { seconds: Math.floor(nowMs / 1000), nanos: (nowMs % 1000) * 1e6 };
  results.at_least_as_fresh = await call(permissions, "CheckPermission", check("carol", "acme", "project:read", { consistency: { at_least_as_fresh: now } }));
  results.at_least_as_fresh_invalid = await call(permissions, "CheckPermission", check("carol", "acme", "project:read", { consistency: { at_least_as_fresh: { seconds: 253402300800, nanos: 0 } } }));
  results.unknown_method = await callUnknownMethod();
  return results;
}

async function oneCheck() {
  if (!args.user || !args.org) throw new Error("--only check needs --user and --org");
  const started = performance.now();
  const outcome = await call(permissions, "CheckPermission", check(args.user, args.org, args.permission), { deadlineMs: Number(args["deadline-ms"]) });
  return { check: { ...outcome, elapsed_ms: Math.round(performance.now() - started) } };
}

try {
  const results = args.only === "check" ? await oneCheck() : await everyCall();
  const version = createRequire(import.meta.url)("@grpc/grpc-js/package.json").version;
  process.stdout.write(JSON.stringify({ client: `grpc-js ${version}`, results }) + "\n");
} catch (error) {
  process.stderr.write(`interop.mjs: ${error.stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  permissions.close();
  health.close();
}

#!/usr/bin/env node
// A small command-line client of Perms' gRPC API, on @grpc/grpc-js with the repository's .proto files.
//
//   PERMS_ADDRESS=127.0.0.1:50051 PERMS_TOKEN=… node demo/perms.mjs check USER ORG resource:action[,action] [resource:action…]
//   … platform USER resource:action…      … memberships USER      … effective USER ORG      … health
//
// Prints the response as JSON; a gRPC error prints its code name and message and exits 1.

import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";

const protos = fileURLToPath(new URL("../src/Grains.Interfaces/Protos/", import.meta.url));
const definition = protoLoader.loadSync(["perms/v1/permission_service.proto", "grpc/health/v1/health.proto"], {
  includeDirs: [protos],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
});
const loaded = grpc.loadPackageDefinition(definition);
const address = process.env.PERMS_ADDRESS ?? "127.0.0.1:50051";
const credentials = grpc.credentials.createInsecure();
const permissions = new loaded.perms.v1.PermissionService(address, credentials);
const health = new loaded.grpc.health.v1.Health(address, credentials);

const metadata = new grpc.Metadata();
if (process.env.PERMS_TOKEN) metadata.set("authorization", `Bearer ${process.env.PERMS_TOKEN}`);

function parsePermissions(items) {
  const result = {};
  for (const item of items) {
    const [resource, actions] = item.split(":");
    result[resource] = { actions: actions ? actions.split(",") : [] };
  }
  return result;
}

function call(client, method, request, md = metadata) {
  return new Promise((resolve, reject) =>
    client[method](request, md, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

const [command, ...rest] = process.argv.slice(2);
try {
  let response;
  switch (command) {
    case "check":
      response = await call(permissions, "CheckPermission", { user_id: rest[0], organization_id: rest[1], permissions: parsePermissions(rest.slice(2)), explain: true });
      break;
    case "platform":
      response = await call(permissions, "CheckPlatformPermission", { user_id: rest[0], permissions: parsePermissions(rest.slice(1)), explain: true });
      break;
    case "memberships":
      response = await call(permissions, "GetMemberships", { user_id: rest[0] });
      break;
    case "effective":
      response = await call(permissions, "GetEffectivePermissions", { user_id: rest[0], organization_id: rest[1] });
      break;
    case "health":
      response = await call(health, "Check", { service: rest[0] ?? "" }, new grpc.Metadata());
      break;
    default:
      process.stderr.write("usage: node demo/perms.mjs check|platform|memberships|effective|health …\n");
      process.exit(2);
  }
  process.stdout.write(JSON.stringify(response, null, 2) + "\n");
} catch (error) {
  process.stderr.write(`${grpc.status[error.code] ?? error.code}: ${error.details}\n`);
  process.exitCode = 1;
} finally {
  permissions.close();
  health.close();
}

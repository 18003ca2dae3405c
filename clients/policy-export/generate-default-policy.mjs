#!/usr/bin/env node
// Writes ../../policies/better-auth-default.json: Better Auth's default organization/admin access control,
// spelled out explicitly in the Perms policy format. It is produced by the exporter from the installed
// better-auth package's own default statements and roles, so the file is exactly what the package says.
//
//   npm run generate:default-policy            # (re)write the file
//   npm run generate:default-policy -- --check # exit 1 if the file is out of date

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { betterAuth } from "better-auth";
import { admin, organization } from "better-auth/plugins";
import * as adminAccess from "better-auth/plugins/admin/access";
import * as orgAccess from "better-auth/plugins/organization/access";
import { exportPolicy, formatPolicy } from "./export-policy.mjs";

export const defaultPolicyFile = fileURLToPath(new URL("../../policies/better-auth-default.json", import.meta.url));

export function buildDefaultPolicy() {
  const auth = betterAuth({
    baseURL: "http://localhost:3000",
    secret: "perms-policy-export-default-policy-generator-secret",
    plugins: [
      organization({ ac: orgAccess.defaultAc, roles: orgAccess.defaultRoles }),
      admin({ ac: adminAccess.defaultAc, roles: adminAccess.defaultRoles }),
    ],
  });
  return exportPolicy(auth, { bans: { mode: "deny" } });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = formatPolicy(buildDefaultPolicy());
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(defaultPolicyFile, "utf8");
    } catch {}
    if (current !== text) {
      console.error(`${defaultPolicyFile} is out of date; run npm run generate:default-policy`);
      process.exit(1);
    }
    console.error(`${defaultPolicyFile} is up to date`);
  } else {
    writeFileSync(defaultPolicyFile, text);
    console.error(`wrote ${defaultPolicyFile}`);
  }
}

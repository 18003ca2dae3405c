import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { betterAuth } from "better-auth";
import { admin, organization } from "better-auth/plugins";
import * as adminAccess from "better-auth/plugins/admin/access";
import * as orgAccess from "better-auth/plugins/organization/access";
import { exportPolicy, formatPolicy } from "../export-policy.mjs";
import { buildDefaultPolicy, defaultPolicyFile } from "../generate-default-policy.mjs";
import { authBase } from "../fixtures/shared.mjs";

const fileText = readFileSync(defaultPolicyFile, "utf8");

test("policies/better-auth-default.json is what the exporter produces from Better Auth's own defaults", () => {
  // Built here independently of the generator: the package's default ac and roles, passed explicitly.
  const auth = betterAuth({
    ...authBase,
    plugins: [
      organization({ ac: orgAccess.defaultAc, roles: orgAccess.defaultRoles }),
      admin({ ac: adminAccess.defaultAc, roles: adminAccess.defaultRoles }),
    ],
  });
  const expected = exportPolicy(auth, { bans: { mode: "deny" } });
  assert.equal(fileText, formatPolicy(expected), "run `npm run generate:default-policy` to update the file");
  assert.deepEqual(buildDefaultPolicy(), expected);
});

test("the default policy spells out the package's statements and roles", () => {
  const policy = JSON.parse(fileText);
  const statementsOf = (roles) => Object.fromEntries(Object.entries(roles).map(([n, r]) => [n, r.statements]));
  assert.deepEqual(policy, {
    organization: {
      statements: orgAccess.defaultStatements,
      roles: statementsOf(orgAccess.defaultRoles),
      dynamicAccessControl: { enabled: false },
    },
    admin: {
      statements: adminAccess.defaultStatements,
      roles: statementsOf(adminAccess.defaultRoles),
      defaultRole: "user",
      adminUserIds: [],
    },
    bans: { mode: "deny" },
  });
  assert.deepEqual(Object.keys(policy.organization.roles), ["admin", "owner", "member"]);
  assert.deepEqual(Object.keys(policy.admin.roles), ["admin", "user"]);
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { betterAuth } from "better-auth";
import { admin, bearer, organization } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import * as adminAccess from "better-auth/plugins/admin/access";
import * as orgAccess from "better-auth/plugins/organization/access";
import { exportPolicy, formatPolicy } from "../export-policy.mjs";
import { ac, authBase, roles, statements } from "../fixtures/shared.mjs";

// A real Better Auth instance; betterAuth() needs no database to be constructed.
const makeAuth = (plugins) => betterAuth({ ...authBase, plugins });

describe("exportPolicy", () => {
  test("(1) default plugins: no roles or statements, so Perms applies Better Auth's defaults", () => {
    const policy = exportPolicy(makeAuth([organization(), admin()]));
    assert.deepEqual(policy, {
      organization: { dynamicAccessControl: { enabled: false } },
      admin: { defaultRole: "user", adminUserIds: [] },
    });
    assert.equal("bans" in policy, false);
  });

  test("(2) custom ac and roles with dynamic access control", () => {
    const auth = makeAuth([organization({ ac, roles, dynamicAccessControl: { enabled: true } })]);
    const policy = exportPolicy(auth);
    assert.deepEqual(policy, {
      organization: {
        statements: {
          project: ["create", "read", "update", "delete"],
          billing: ["read", "update"],
        },
        roles: {
          owner: { project: ["create", "read", "update", "delete"], billing: ["read", "update"] },
          editor: { project: ["create", "read", "update"] },
          viewer: { project: ["read"], billing: ["read"] },
        },
        dynamicAccessControl: { enabled: true },
      },
    });
    // Declaration order is kept (diff stability), nothing is sorted.
    assert.deepEqual(Object.keys(policy.organization.roles), ["owner", "editor", "viewer"]);
    assert.deepEqual(Object.keys(policy.organization.statements), ["project", "billing"]);
    // A plain copy, not the role objects themselves.
    assert.notEqual(policy.organization.statements, statements);
    assert.notEqual(policy.organization.roles.owner, roles.owner.statements);
    assert.equal(formatPolicy(policy), JSON.stringify(policy, null, 2) + "\n");
  });

  test("(3) dynamicAccessControl without ac is not enabled (Better Auth ignores it)", () => {
    const policy = exportPolicy(makeAuth([organization({ dynamicAccessControl: { enabled: true } })]));
    assert.deepEqual(policy, { organization: { dynamicAccessControl: { enabled: false } } });

    // Custom roles without ac: statements are Better Auth's default statements.
    const custom = createAccessControl(orgAccess.defaultStatements);
    const withRoles = exportPolicy(
      makeAuth([
        organization({
          roles: { boss: custom.newRole({ organization: ["update"] }) },
          dynamicAccessControl: { enabled: true },
        }),
      ]),
    );
    assert.deepEqual(withRoles, {
      organization: {
        statements: orgAccess.defaultStatements,
        roles: { boss: { organization: ["update"] } },
        dynamicAccessControl: { enabled: false },
      },
    });
  });

  test("ac without roles: statements only, default roles stay Perms' defaults", () => {
    const policy = exportPolicy(makeAuth([organization({ ac })]));
    assert.deepEqual(policy, {
      organization: { statements, dynamicAccessControl: { enabled: false } },
    });
  });

  test("(4) admin plugin with custom roles, adminUserIds and defaultRole", () => {
    const adminAc = createAccessControl({ ...adminAccess.defaultStatements, report: ["read", "export"] });
    const policy = exportPolicy(
      makeAuth([
        admin({
          ac: adminAc,
          roles: {
            superadmin: adminAc.newRole({ ...adminAccess.adminAc.statements, report: ["read", "export"] }),
            support: adminAc.newRole({ user: ["list", "get"], session: ["list"], report: ["read"] }),
            customer: adminAc.newRole({}),
          },
          adminRoles: ["superadmin"],
          adminUserIds: ["user_1", "user_2"],
          defaultRole: "customer",
        }),
      ]),
    );
    assert.deepEqual(policy, {
      admin: {
        statements: { ...adminAccess.defaultStatements, report: ["read", "export"] },
        roles: {
          superadmin: { ...adminAccess.adminAc.statements, report: ["read", "export"] },
          support: { user: ["list", "get"], session: ["list"], report: ["read"] },
          customer: {},
        },
        defaultRole: "customer",
        adminUserIds: ["user_1", "user_2"],
      },
    });
  });

  test("admin roles without ac use Better Auth's default admin statements", () => {
    const policy = exportPolicy(
      makeAuth([admin({ roles: { admin: adminAccess.adminAc, user: adminAccess.userAc } })]),
    );
    assert.deepEqual(policy.admin.statements, adminAccess.defaultStatements);
    assert.deepEqual(policy.admin.roles, {
      admin: adminAccess.adminAc.statements,
      user: adminAccess.userAc.statements,
    });
  });

  test("accepts a betterAuth options object or an array of plugins", () => {
    const plugins = [organization({ ac, roles }), admin({ adminUserIds: ["u"] })];
    const fromAuth = exportPolicy(makeAuth(plugins));
    assert.deepEqual(exportPolicy({ ...authBase, plugins }), fromAuth);
    assert.deepEqual(exportPolicy(plugins), fromAuth);
    assert.deepEqual(Object.keys(fromAuth), ["organization", "admin"]);
  });

  test("only the configured plugin's section is written", () => {
    assert.deepEqual(Object.keys(exportPolicy([admin()])), ["admin"]);
    assert.deepEqual(Object.keys(exportPolicy([bearer(), organization()])), ["organization"]);
  });

  test("extra top-level fields are merged; bans only comes from extra", () => {
    const policy = exportPolicy(makeAuth([organization()]), { bans: { mode: "ignore" }, $schema: "./policy.schema.json" });
    assert.deepEqual(policy, {
      $schema: "./policy.schema.json",
      organization: { dynamicAccessControl: { enabled: false } },
      bans: { mode: "ignore" },
    });
    assert.deepEqual(Object.keys(policy), ["$schema", "organization", "bans"]);
  });

  test("repeated actions are kept as declared (nothing is deduplicated)", () => {
    const dupAc = createAccessControl({ doc: ["read", "read", "write"] });
    const policy = exportPolicy([organization({ ac: dupAc, roles: { r: dupAc.newRole({ doc: ["read", "read"] }) } })]);
    assert.deepEqual(policy.organization.statements, { doc: ["read", "read", "write"] });
    assert.deepEqual(policy.organization.roles, { r: { doc: ["read", "read"] } });
  });

  describe("errors", () => {
    test("(6) an auth without the organization or admin plugin", () => {
      assert.throws(() => exportPolicy(makeAuth([bearer()])), {
        message: /neither the organization nor the admin plugin is configured \(plugins found: bearer\)/,
      });
      assert.throws(() => exportPolicy(betterAuth(authBase)), {
        message: /neither the organization nor the admin plugin is configured \(no plugins found\)/,
      });
      assert.throws(() => exportPolicy([]), { message: /neither the organization nor the admin plugin/ });
    });

    test("a role object without .statements", () => {
      assert.throws(
        () => exportPolicy([organization({ ac, roles: { owner: roles.owner, broken: { authorize() {} } } })]),
        { message: /organization\.roles\.broken has no \.statements/ },
      );
      assert.throws(() => exportPolicy([admin({ roles: { admin: undefined } })]), {
        message: /admin\.roles\.admin has no \.statements/,
      });
    });

    test("not an auth instance, options object or plugin array", () => {
      assert.throws(() => exportPolicy(undefined), { name: "TypeError", message: /got undefined/ });
      assert.throws(() => exportPolicy("auth"), { name: "TypeError", message: /got string/ });
      assert.throws(() => exportPolicy({ plugins: "organization" }), { message: /options\.plugins is not an array/ });
    });

    test("adminUserIds must be an array of strings (Better Auth would substring-match a string)", () => {
      assert.throws(() => exportPolicy([admin({ adminUserIds: "user_1" })]), {
        message: /admin\.adminUserIds must be an array of user ids, got "user_1"/,
      });
      assert.throws(() => exportPolicy([admin({ adminUserIds: ["a", 2] })]), {
        message: /admin\.adminUserIds\[1\] must be a string/,
      });
    });

    test("extra must not override the exported plugin sections", () => {
      assert.throws(() => exportPolicy([organization()], { organization: {} }), {
        message: /must not contain "organization"/,
      });
    });

    test("a plugin configured twice is ambiguous", () => {
      assert.throws(() => exportPolicy([organization(), organization()]), {
        message: /organization plugin is configured more than once/,
      });
    });
  });
});

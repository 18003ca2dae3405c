// The demo app's Better Auth configuration, shared by seed.mjs (which creates the data) and change.mjs (which changes
// it the way the app would, publishing Perms' change events through clients/better-auth-nats).
//
// The app: an organization plugin with Better Auth's default statements plus "project", custom roles, dynamic
// access control on, teams on; the admin plugin with its defaults.

import { betterAuth } from "better-auth";
import { admin, organization } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements } from "better-auth/plugins/organization/access";

const statements = { ...defaultStatements, project: ["create", "read", "update", "delete"] };
const ac = createAccessControl(statements);
const roles = {
  owner: ac.newRole(statements),
  admin: ac.newRole({ organization: ["update"], member: ["create", "update", "delete"], invitation: ["create", "cancel"], team: ["create", "update", "delete"], ac: ["read"], project: ["create", "read", "update"] }),
  member: ac.newRole({ ac: ["read"], project: ["read"] }),
  viewer: ac.newRole({ project: ["read"] }),
};

/**
 * The demo's Better Auth instance on `pool`. With `perms` (from `permsNatsEvents` of clients/better-auth-nats), every
 * change made through it publishes Perms' change events.
 */
export function makeAuth({ pool, adminUserIds = [], perms } = {}) {
  return betterAuth({
    appName: "perms-demo",
    baseURL: "http://127.0.0.1:3000",
    secret: "perms-demo-secret-not-for-production-0123456789",
    database: pool,
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    emailAndPassword: { enabled: true },
    plugins: [
      organization({
        ac,
        roles,
        dynamicAccessControl: { enabled: true },
        teams: { enabled: true },
        ...(perms ? { organizationHooks: perms.organizationHooks } : {}),
      }),
      admin({ adminUserIds }),
      ...(perms ? [perms.plugin] : []),
    ],
  });
}

/** Every demo user's password: NAME-demo-password. */
export const passwordOf = (name) => `${name}-demo-password`;

// Exports a Better Auth app's organization/admin access-control configuration as a Perms policy file
// (see docs/policy.md in the Perms repository). The TypeScript config stays the single source of truth.
//
// Only the parts of the plugin options that decide permission checks are exported:
//   organization: statements (ac.statements), roles, dynamicAccessControl
//   admin:        statements (ac.statements), roles, defaultRole, adminUserIds
// `bans` is Perms' own setting and is never read from Better Auth; pass it in `extra`.

import { defaultStatements as orgDefaultStatements } from "better-auth/plugins/organization/access";
import { defaultStatements as adminDefaultStatements } from "better-auth/plugins/admin/access";

const PLUGIN_IDS = ["organization", "admin"];

/**
 * @param {object | object[]} authOrOptions a betterAuth(...) instance, the options object passed to
 *   betterAuth(...), or an array of Better Auth plugins.
 * @param {object} [extra] extra top-level policy fields, e.g. `{ bans: { mode: "deny" } }`.
 * @returns {object} a plain, JSON-serialisable object in the Perms policy format.
 */
export function exportPolicy(authOrOptions, extra = {}) {
  const plugins = findPlugins(authOrOptions);
  const organization = plugins.get("organization");
  const admin = plugins.get("admin");
  if (!organization && !admin) {
    const ids = [...plugins.keys()];
    throw new Error(
      "exportPolicy: neither the organization nor the admin plugin is configured" +
        (ids.length ? ` (plugins found: ${ids.join(", ")})` : " (no plugins found)") +
        "; add organization() and/or admin() from \"better-auth/plugins\" to betterAuth({ plugins: [...] })",
    );
  }

  if (extra === null || typeof extra !== "object" || Array.isArray(extra)) {
    throw new TypeError("exportPolicy: `extra` must be a plain object of top-level policy fields");
  }
  for (const key of PLUGIN_IDS) {
    if (Object.hasOwn(extra, key)) {
      throw new Error(
        `exportPolicy: \`extra\` must not contain "${key}"; it is exported from the Better Auth configuration`,
      );
    }
  }

  const policy = {};
  if (Object.hasOwn(extra, "$schema")) policy.$schema = extra.$schema;
  if (organization) policy.organization = exportOrganization(organization.options ?? {});
  if (admin) policy.admin = exportAdmin(admin.options ?? {});
  for (const [key, value] of Object.entries(extra)) {
    if (key !== "$schema") policy[key] = plainCopy(value);
  }
  return policy;
}

/** Serialises a policy the way the CLI writes it: 2-space indentation and a trailing newline. */
export function formatPolicy(policy) {
  return JSON.stringify(policy, null, 2) + "\n";
}

function findPlugins(input) {
  let plugins;
  if (Array.isArray(input)) {
    plugins = input; // array of plugins
  } else if (input && typeof input === "object") {
    // betterAuth(...) instance (auth.options.plugins) or the options object passed to betterAuth (options.plugins)
    const isInstance = !("plugins" in input) && input.options != null && typeof input.options === "object";
    plugins = (isInstance ? input.options.plugins : input.plugins) ?? [];
    if (!Array.isArray(plugins)) {
      throw new TypeError(`exportPolicy: ${isInstance ? "auth.options.plugins" : "options.plugins"} is not an array`);
    }
  } else {
    throw new TypeError(
      "exportPolicy: expected a betterAuth(...) instance, its options object or an array of plugins; " +
        `got ${input === null ? "null" : typeof input}`,
    );
  }

  const byId = new Map();
  for (const plugin of plugins) {
    if (!plugin || typeof plugin !== "object" || typeof plugin.id !== "string") continue;
    if (PLUGIN_IDS.includes(plugin.id) && byId.has(plugin.id)) {
      throw new Error(`exportPolicy: the ${plugin.id} plugin is configured more than once`);
    }
    if (!byId.has(plugin.id)) byId.set(plugin.id, plugin);
  }
  return byId;
}

function exportOrganization(opts) {
  const where = "organization";
  const out = {};
  const ac = readAc(opts.ac, where);
  if (ac) {
    out.statements = copyStatements(ac.statements, `${where}.ac.statements`);
  } else if (opts.roles != null) {
    out.statements = copyStatements(orgDefaultStatements, `${where} default statements`);
  }
  if (opts.roles != null) out.roles = copyRoles(opts.roles, where);
  // Better Auth only reads organizationRole rows when dynamic access control is enabled AND `ac` is set
  // (has-permission.ts: `!input.options.dynamicAccessControl?.enabled || !ac` -> static roles only).
  out.dynamicAccessControl = { enabled: Boolean(opts.dynamicAccessControl?.enabled && ac) };
  return out;
}

function exportAdmin(opts) {
  const where = "admin";
  const out = {};
  const ac = readAc(opts.ac, where);
  if (ac) {
    out.statements = copyStatements(ac.statements, `${where}.ac.statements`);
  } else if (opts.roles != null) {
    out.statements = copyStatements(adminDefaultStatements, `${where} default statements`);
  }
  if (opts.roles != null) out.roles = copyRoles(opts.roles, where);

  // Better Auth: `input.role || options.defaultRole || "user"`.
  const defaultRole = opts.defaultRole;
  if (defaultRole != null && typeof defaultRole !== "string") {
    throw new TypeError(`exportPolicy: admin.defaultRole must be a string, got ${describe(defaultRole)}`);
  }
  out.defaultRole = defaultRole || "user";

  const ids = opts.adminUserIds ?? [];
  if (!Array.isArray(ids)) {
    // Better Auth calls `adminUserIds.includes(userId)`, which on a string would be a substring match.
    throw new TypeError(`exportPolicy: admin.adminUserIds must be an array of user ids, got ${describe(ids)}`);
  }
  out.adminUserIds = ids.map((id, i) => {
    if (typeof id !== "string") {
      throw new TypeError(`exportPolicy: admin.adminUserIds[${i}] must be a string, got ${describe(id)}`);
    }
    return id;
  });
  return out;
}

function readAc(ac, where) {
  if (ac == null) return undefined;
  if (typeof ac !== "object" || ac.statements == null || typeof ac.statements !== "object") {
    throw new TypeError(
      `exportPolicy: ${where}.ac has no statements object; create it with createAccessControl(statements) ` +
        `from "better-auth/plugins/access"`,
    );
  }
  return ac;
}

function copyRoles(roles, where) {
  if (typeof roles !== "object" || Array.isArray(roles)) {
    throw new TypeError(`exportPolicy: ${where}.roles must be an object of role name -> ac.newRole(...), got ${describe(roles)}`);
  }
  const out = {};
  for (const [name, role] of Object.entries(roles)) {
    if (!role || typeof role !== "object" || role.statements == null || typeof role.statements !== "object") {
      throw new TypeError(
        `exportPolicy: ${where}.roles.${name} has no .statements; create roles with ac.newRole({ ... })`,
      );
    }
    out[name] = copyStatements(role.statements, `${where}.roles.${name}.statements`);
  }
  return out;
}

// Copies resource -> actions, keeping declaration order and duplicates. A resource whose value is
// undefined is skipped: Better Auth treats it exactly like a missing resource.
function copyStatements(statements, where) {
  if (statements === null || typeof statements !== "object" || Array.isArray(statements)) {
    throw new TypeError(`exportPolicy: ${where} must be an object of resource -> actions, got ${describe(statements)}`);
  }
  const out = {};
  for (const [resource, actions] of Object.entries(statements)) {
    if (actions === undefined) continue;
    if (!Array.isArray(actions)) {
      throw new TypeError(`exportPolicy: ${where}.${resource} must be an array of actions, got ${describe(actions)}`);
    }
    out[resource] = actions.map((action, i) => {
      if (typeof action !== "string") {
        throw new TypeError(`exportPolicy: ${where}.${resource}[${i}] must be a string, got ${describe(action)}`);
      }
      return action;
    });
  }
  return out;
}

function plainCopy(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value;
}

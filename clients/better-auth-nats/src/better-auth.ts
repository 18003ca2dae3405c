/**
 * The Better Auth side: organization hooks, user-table database hooks and a small plugin, all publishing the contract's
 * events through one publisher. Written against better-auth 1.7.25 (hook names and argument shapes checked by tsc).
 */
import type { AuthContext, BetterAuthOptions, BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware, getSessionFromCtx, isAPIError } from "better-auth/api";
import type { OrganizationOptions } from "better-auth/plugins/organization";

import type { OccurredAt, PermsEvent } from "./events.js";
import {
  createPublisherInternal,
  PermsPublishError,
  type PermsPublisher,
  type PermsPublisherInternal,
  type PermsPublisherOptions,
  type PermsPublisherStats,
} from "./publisher.js";

type OrganizationHooks = NonNullable<OrganizationOptions["organizationHooks"]>;

/** The organization hooks this module fills in (better-auth 1.7.25 names). */
export type PermsOrganizationHookName =
  | "afterAddMember"
  | "afterAcceptInvitation"
  | "afterUpdateMemberRole"
  | "afterRemoveMember"
  | "afterDeleteOrganization"
  | "afterCreateTeam"
  | "beforeDeleteTeam"
  | "afterDeleteTeam"
  | "afterAddTeamMember"
  | "afterRemoveTeamMember";

/** What goes into `organization({ organizationHooks })`. */
export type PermsOrganizationHooks = Required<Pick<OrganizationHooks, PermsOrganizationHookName>>;

type DatabaseHooks = NonNullable<BetterAuthOptions["databaseHooks"]>;
type UserHooks = NonNullable<DatabaseHooks["user"]>;

/** What goes into `betterAuth({ databaseHooks })` if you do not add the plugin (the plugin adds the same hooks). */
export interface PermsDatabaseHooks {
  user: {
    update: { after: NonNullable<NonNullable<UserHooks["update"]>["after"]> };
    delete: { after: NonNullable<NonNullable<UserHooks["delete"]>["after"]> };
  };
}

/** The Better Auth plugin (no endpoints, no schema): user-table hooks and `hooks.after` on a few endpoints. */
export interface PermsNatsPlugin {
  id: "perms-nats-events";
  init: NonNullable<BetterAuthPlugin["init"]>;
  hooks: NonNullable<BetterAuthPlugin["hooks"]>;
}

export type PermsNatsEventsOptions = PermsPublisherOptions & {
  /** Use this publisher instead of making one (then `connection`/`servers`/`prefix`/... are not allowed). */
  publisher?: PermsPublisher | undefined;
  /**
   * The plugin warns at start-up when `organization()` does not use these organization hooks (nor
   * `mergeOrganizationHooks` of them). Default true.
   */
  warnIfNotWired?: boolean | undefined;
};

export interface PermsNatsEvents {
  /** For `organization({ ..., organizationHooks })`. Merge with your own through `mergeOrganizationHooks`. */
  organizationHooks: PermsOrganizationHooks;
  /**
   * The user-table hooks (user.updated, user.deleted). The plugin already installs them next to yours; spread these
   * into `betterAuth({ databaseHooks })` only if you do not add the plugin (with both, the plugin skips its own).
   */
  databaseHooks: PermsDatabaseHooks;
  /**
   * For `betterAuth({ plugins: [...] })`: the user-table hooks, plus the changes Better Auth has no organization hook
   * for (dynamic roles, leaving an organization), plus the members of a deleted team.
   */
  plugin: PermsNatsPlugin;
  publisher: PermsPublisher;
  /** Same as `publisher.publish`: for changes made outside Better Auth's API (e.g. SQL). */
  publish(event: PermsEvent): boolean;
  /** Publishes `perms.cache.flush`. */
  publishFlush(occurredAt?: OccurredAt): boolean;
  flush(): Promise<void>;
  ready(timeoutMs?: number): Promise<void>;
  stats(): PermsPublisherStats;
  close(): Promise<void>;
}

const PERMS_HOOK = Symbol.for("@perms/better-auth-nats.hook");

type AnyFn = (...args: any[]) => any;

function mark<F extends AnyFn>(fn: F): F {
  Object.defineProperty(fn, PERMS_HOOK, { value: true });
  return fn;
}

function isPermsHook(fn: unknown): boolean {
  return typeof fn === "function" && (fn as unknown as Record<symbol, unknown>)[PERMS_HOOK] === true;
}

/**
 * Combines several `organizationHooks` objects: for each hook, every function runs, in the order given, each awaited;
 * the result is the first one that is not undefined (so a `before...` hook of yours that returns `{ data }` keeps
 * working when listed first). A function that throws does not stop the others (an `after...` hook runs once the change
 * is committed, so the event must still go out); the first error is thrown once all have run.
 *
 * @example organization({ organizationHooks: mergeOrganizationHooks(myHooks, perms.organizationHooks) })
 */
export function mergeOrganizationHooks(...sets: (Partial<OrganizationHooks> | undefined | null)[]): OrganizationHooks {
  const byName = new Map<string, AnyFn[]>();
  for (const set of sets) {
    if (!set) continue;
    for (const [name, fn] of Object.entries(set)) {
      if (typeof fn !== "function") continue;
      const list = byName.get(name) ?? [];
      list.push(fn as AnyFn);
      byName.set(name, list);
    }
  }
  const merged: Record<string, AnyFn> = {};
  for (const [name, fns] of byName) {
    if (fns.length === 1) {
      merged[name] = fns[0]!;
      continue;
    }
    const combined = async (...args: unknown[]) => {
      let result: unknown;
      let failed = false;
      let error: unknown;
      for (const fn of fns) {
        try {
          const r: unknown = await fn(...args);
          if (result === undefined) result = r;
        } catch (e) {
          if (!failed) error = e;
          failed = true;
        }
      }
      if (failed) throw error;
      return result;
    };
    if (fns.some(isPermsHook)) mark(combined);
    merged[name] = combined;
  }
  return merged as OrganizationHooks;
}

// A returned endpoint value, or null when the endpoint failed.
async function endpointResult(returned: unknown): Promise<Record<string, any> | null> {
  if (returned === undefined || returned === null || isAPIError(returned)) return null;
  if (returned instanceof Response) {
    if (!returned.ok) return null;
    try {
      return (await returned.clone().json()) as Record<string, any>;
    } catch {
      return null;
    }
  }
  return typeof returned === "object" ? (returned as Record<string, any>) : null;
}

// Endpoints without an organization hook: dynamic roles and leaving an organization.
const ENDPOINTS = new Set([
  "/organization/create-role",
  "/organization/update-role",
  "/organization/delete-role",
  "/organization/leave",
]);

const TEAM_MEMBER_PAGE = 1000;

/**
 * The events for a Better Auth app. Add `organizationHooks` to `organization()` and `plugin` to `plugins`; see the
 * README for the table of hooks and subjects.
 *
 * Publishing never fails a Better Auth request: NATS errors (and a hook that cannot build its event) go to `onError`
 * (or the logger) and are counted in `stats()`.
 */
export function permsNatsEvents(options: PermsNatsEventsOptions): PermsNatsEvents {
  if (options === null || typeof options !== "object") throw new TypeError("options must be an object");
  const { publisher: givenPublisher, warnIfNotWired = true, ...publisherOptions } = options;
  let publisher: PermsPublisherInternal;
  if (givenPublisher) {
    const extra = Object.entries(publisherOptions).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (extra.length > 0) throw new TypeError(`with \`publisher\`, leave out ${extra.join(", ")} (they are the publisher's)`);
    const internal = givenPublisher as Partial<PermsPublisherInternal>;
    if (typeof internal.report !== "function") throw new TypeError("`publisher` must come from createPermsPublisher()");
    publisher = givenPublisher as PermsPublisherInternal;
  } else {
    publisher = createPublisherInternal(publisherOptions);
  }

  let authContext: AuthContext | undefined;
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    publisher.log?.warn(`perms-nats: ${message}`);
  };

  // Runs `produce` and publishes what it returns; never throws (a Better Auth hook that throws fails the request
  // although the change is already committed).
  async function emit(
    source: string,
    produce: () => PermsEvent | readonly PermsEvent[] | undefined | Promise<PermsEvent | readonly PermsEvent[] | undefined>,
  ): Promise<void> {
    let current: PermsEvent | undefined;
    try {
      const produced = await produce();
      const events: readonly PermsEvent[] = produced === undefined ? [] : Array.isArray(produced) ? produced : [produced as PermsEvent];
      for (const event of events) {
        current = event;
        publisher.publish(event);
      }
    } catch (err) {
      publisher.report(
        new PermsPublishError("HOOK_FAILED", `${source}: ${err instanceof Error ? err.message : String(err)}; nothing published`, {
          cause: err,
          event: current,
        }),
      );
    }
  }

  const now = () => new Date();

  // Team ids of a deleted team's members, between beforeDeleteTeam and afterDeleteTeam.
  const deletedTeamMembers = new Map<string, string[]>();

  async function teamMemberUserIds(teamId: string): Promise<string[] | undefined> {
    if (!authContext) return undefined;
    const ids: string[] = [];
    for (let offset = 0; ; offset += TEAM_MEMBER_PAGE) {
      const rows = await authContext.adapter.findMany<{ userId: string }>({
        model: "teamMember",
        where: [{ field: "teamId", value: teamId }],
        sortBy: { field: "id", direction: "asc" },
        limit: TEAM_MEMBER_PAGE,
        offset,
      });
      for (const row of rows) ids.push(row.userId);
      if (rows.length < TEAM_MEMBER_PAGE) return ids;
    }
  }

  const organizationHooks: PermsOrganizationHooks = {
    afterAddMember: mark(async ({ member }) =>
      emit("afterAddMember", () => ({
        type: "member.added",
        userId: member.userId,
        organizationId: member.organizationId,
        role: member.role,
        occurredAt: now(),
      })),
    ),
    afterAcceptInvitation: mark(async ({ member, invitation }) =>
      emit("afterAcceptInvitation", () => {
        const occurredAt = now();
        const events: PermsEvent[] = [
          { type: "member.added", userId: member.userId, organizationId: member.organizationId, role: member.role, occurredAt },
        ];
        // Better Auth adds the new member to the invitation's teams (a comma-separated list) in the same transaction.
        const teamIds = typeof invitation.teamId === "string" ? invitation.teamId.split(",").filter((t) => t !== "") : [];
        for (const teamId of teamIds) {
          events.push({ type: "team.member.changed", userId: member.userId, organizationId: member.organizationId, teamId, occurredAt });
        }
        return events;
      }),
    ),
    afterUpdateMemberRole: mark(async ({ member }) =>
      emit("afterUpdateMemberRole", () => ({
        type: "member.role.changed",
        userId: member.userId,
        organizationId: member.organizationId,
        role: member.role,
        occurredAt: now(),
      })),
    ),
    afterRemoveMember: mark(async ({ member }) =>
      emit("afterRemoveMember", () => ({
        type: "member.removed",
        userId: member.userId,
        organizationId: member.organizationId,
        occurredAt: now(),
      })),
    ),
    afterDeleteOrganization: mark(async ({ organization }) =>
      emit("afterDeleteOrganization", () => ({ type: "organization.deleted", organizationId: organization.id, occurredAt: now() })),
    ),
    // createOrganization puts its creator into the default team after afterAddMember has run; the team endpoint
    // (create-team) does not add anyone. With the plugin, the membership is looked up, so only a real one is published.
    afterCreateTeam: mark(async ({ team, user, organization }) =>
      emit("afterCreateTeam", async () => {
        if (!user) return undefined;
        if (authContext) {
          const row = await authContext.adapter.findOne({
            model: "teamMember",
            where: [
              { field: "teamId", value: team.id },
              { field: "userId", value: user.id },
            ],
          });
          if (!row) return undefined;
        }
        return {
          type: "team.member.changed",
          userId: user.id,
          organizationId: team.organizationId ?? organization.id,
          teamId: team.id,
          occurredAt: now(),
        };
      }),
    ),
    beforeDeleteTeam: mark(async ({ team }) =>
      emit("beforeDeleteTeam", async () => {
        const ids = await teamMemberUserIds(team.id);
        if (ids === undefined) {
          warnOnce(
            "team-delete",
            "a team was deleted but the perms plugin is not in `plugins`: its members' team.member.changed events are not published",
          );
          return undefined;
        }
        deletedTeamMembers.set(team.id, ids);
        return undefined;
      }),
    ),
    afterDeleteTeam: mark(async ({ team, organization }) =>
      emit("afterDeleteTeam", () => {
        const ids = deletedTeamMembers.get(team.id);
        deletedTeamMembers.delete(team.id);
        if (!ids) return undefined;
        const occurredAt = now();
        const organizationId = team.organizationId ?? organization.id;
        return ids.map((userId): PermsEvent => ({ type: "team.member.changed", userId, organizationId, teamId: team.id, occurredAt }));
      }),
    ),
    afterAddTeamMember: mark(async ({ teamMember, team, organization }) =>
      emit("afterAddTeamMember", () => ({
        type: "team.member.changed",
        userId: teamMember.userId,
        organizationId: team.organizationId ?? organization.id,
        teamId: teamMember.teamId,
        occurredAt: now(),
      })),
    ),
    afterRemoveTeamMember: mark(async ({ teamMember, team, organization }) =>
      emit("afterRemoveTeamMember", () => ({
        type: "team.member.changed",
        userId: teamMember.userId,
        organizationId: team.organizationId ?? organization.id,
        teamId: teamMember.teamId,
        occurredAt: now(),
      })),
    ),
  };

  const databaseHooks: PermsDatabaseHooks = {
    user: {
      update: {
        // Any update of the user row: Better Auth gives the updated row, not what changed. Role, ban and ban expiry
        // are what Perms reads; reloading a user for another change costs Perms one query.
        after: mark(async (user) =>
          emit("databaseHooks.user.update.after", () => {
            if (!user) throw new Error("Better Auth passed no updated user row");
            return { type: "user.updated", userId: user.id, occurredAt: now() };
          }),
        ),
      },
      delete: {
        after: mark(async (user) =>
          emit("databaseHooks.user.delete.after", () => ({ type: "user.deleted", userId: user.id, occurredAt: now() })),
        ),
      },
    },
  };

  async function onEndpoint(ctx: { path?: string; body?: any; context: { returned?: unknown } }): Promise<void> {
    const path = ctx.path ?? "";
    await emit(`plugin after ${path}`, async () => {
      const result = await endpointResult(ctx.context.returned);
      if (!result) return undefined; // the endpoint failed: nothing changed
      const body = (ctx.body ?? {}) as Record<string, any>;
      switch (path) {
        case "/organization/create-role": {
          const role = result.roleData as Record<string, any> | undefined;
          return { type: "organization.role.changed", organizationId: role?.organizationId, role: role?.role, occurredAt: now() };
        }
        case "/organization/update-role": {
          const role = result.roleData as Record<string, any> | undefined;
          // A rename changes two names: leave `role` out ("some role of this organization").
          const renamed = typeof body.data?.roleName === "string" && body.data.roleName !== "";
          return {
            type: "organization.role.changed",
            organizationId: role?.organizationId,
            role: renamed ? undefined : role?.role,
            occurredAt: now(),
          };
        }
        case "/organization/delete-role": {
          let organizationId: unknown = body.organizationId;
          if (typeof organizationId !== "string" || organizationId === "") {
            // The endpoint used the session's active organization.
            const session = await getSessionFromCtx(ctx as any).catch(() => null);
            organizationId = session?.session?.activeOrganizationId;
          }
          const role = typeof body.roleName === "string" && body.roleName !== "" ? body.roleName : undefined;
          return { type: "organization.role.changed", organizationId, role, occurredAt: now() } as PermsEvent;
        }
        case "/organization/leave":
          return { type: "member.removed", userId: result.userId, organizationId: result.organizationId, occurredAt: now() };
        default:
          return undefined;
      }
    });
  }

  const plugin: PermsNatsPlugin = {
    id: "perms-nats-events",
    init(ctx: AuthContext) {
      authContext = ctx;
      const opts = ctx.options;
      if (warnIfNotWired) {
        const org = opts.plugins?.find((p) => p.id === "organization");
        const orgHooks = (org?.options as OrganizationOptions | undefined)?.organizationHooks;
        if (org && !isPermsHook(orgHooks?.afterAddMember)) {
          warnOnce(
            "org-hooks",
            "organization() is not given perms' organizationHooks (nor mergeOrganizationHooks of them): member, organization " +
              "and team events will not be published. Pass `organizationHooks: perms.organizationHooks`, or set warnIfNotWired: false " +
              "if you call them yourself.",
          );
        }
      }
      // The same hooks given as top-level databaseHooks: do not publish twice.
      if (isPermsHook(opts.databaseHooks?.user?.update?.after)) return;
      return { options: { databaseHooks: databaseHooks as unknown as DatabaseHooks } };
    },
    hooks: {
      after: [
        {
          matcher: (context: { path?: string }) => context.path !== undefined && ENDPOINTS.has(context.path),
          handler: createAuthMiddleware(async (ctx) => {
            await onEndpoint(ctx as unknown as Parameters<typeof onEndpoint>[0]);
          }),
        },
      ],
    },
  };

  return {
    organizationHooks,
    databaseHooks,
    plugin,
    publisher,
    publish: (event) => publisher.publish(event),
    publishFlush: (occurredAt) => publisher.publishFlush(occurredAt),
    flush: () => publisher.flush(),
    ready: (timeoutMs) => publisher.ready(timeoutMs),
    stats: () => publisher.stats(),
    close: () => publisher.close(),
  };
}

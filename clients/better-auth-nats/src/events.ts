/**
 * The change-event contract of Perms (docs: shared/design/events.md): the subjects, their payloads, and how an event
 * is turned into a NATS subject and a JSON body. No I/O here.
 */

/** Every subject of the contract, without a prefix. */
export const SUBJECTS = [
  "member.role.changed",
  "member.removed",
  "member.added",
  "organization.role.changed",
  "organization.deleted",
  "user.updated",
  "user.deleted",
  "team.member.changed",
  "perms.cache.flush",
] as const;

/** A subject of the contract, without a prefix. */
export type Subject = (typeof SUBJECTS)[number];

/** When the change happened: a Date, an ISO-8601 string, or Unix milliseconds. Published as ISO-8601 UTC. */
export type OccurredAt = Date | string | number;

/**
 * A member role as Better Auth stores it: one name or a comma-separated list ("admin,member"). An array is joined
 * with commas, the way Better Auth writes an array of roles.
 */
export type RoleInput = string | readonly string[];

interface EventBase {
  /** Defaults to now. */
  occurredAt?: OccurredAt | undefined;
}

export interface MemberRoleChangedEvent extends EventBase {
  type: "member.role.changed";
  userId: string;
  organizationId: string;
  /** The member's new role. */
  role?: RoleInput | null | undefined;
}

export interface MemberRemovedEvent extends EventBase {
  type: "member.removed";
  userId: string;
  organizationId: string;
}

export interface MemberAddedEvent extends EventBase {
  type: "member.added";
  userId: string;
  organizationId: string;
  role?: RoleInput | null | undefined;
}

/** A dynamic role (an organizationRole row) was created, updated or deleted. */
export interface OrganizationRoleChangedEvent extends EventBase {
  type: "organization.role.changed";
  organizationId: string;
  /** The role's name, when exactly one name is concerned. Leave it out to say "some role of this organization". */
  role?: string | null | undefined;
}

export interface OrganizationDeletedEvent extends EventBase {
  type: "organization.deleted";
  organizationId: string;
}

/** The user row changed: role, ban, ban expiry (or anything else: Perms just reloads the user). */
export interface UserUpdatedEvent extends EventBase {
  type: "user.updated";
  userId: string;
}

export interface UserDeletedEvent extends EventBase {
  type: "user.deleted";
  userId: string;
}

/** The user joined or left a team of the organization. */
export interface TeamMemberChangedEvent extends EventBase {
  type: "team.member.changed";
  userId: string;
  organizationId: string;
  teamId: string;
}

/** The operator's hammer: every Perms silo drops everything it caches. */
export interface CacheFlushEvent extends EventBase {
  type: "perms.cache.flush";
}

/** One event of the contract. `type` is the subject without a prefix. */
export type PermsEvent =
  | MemberRoleChangedEvent
  | MemberRemovedEvent
  | MemberAddedEvent
  | OrganizationRoleChangedEvent
  | OrganizationDeletedEvent
  | UserUpdatedEvent
  | UserDeletedEvent
  | TeamMemberChangedEvent
  | CacheFlushEvent;

/** The JSON body of an event (camelCase, as the contract spells it). */
export interface EventPayload {
  userId?: string;
  organizationId?: string;
  teamId?: string;
  role?: string;
  /** ISO-8601 UTC, e.g. "2025-01-31T12:00:00.000Z". */
  occurredAt: string;
}

/** An event ready to publish. */
export interface EncodedEvent {
  /** The subject, prefix included. */
  subject: string;
  /** The body as an object. */
  payload: EventPayload;
  /** The body as JSON text (what goes on the wire). */
  data: string;
}

// Perms drops an event whose id is longer than this many UTF-8 bytes (it cannot match any grain).
const MAX_ID_BYTES = 255;

const SUBJECT_SET: ReadonlySet<string> = new Set(SUBJECTS);

const utf8 = new TextEncoder();

/** Whether `value` is a subject of the contract (without a prefix). */
export function isSubject(value: unknown): value is Subject {
  return typeof value === "string" && SUBJECT_SET.has(value);
}

/**
 * Checks a subject prefix the way Perms checks its `SubjectPrefix`: "" (none) or subject tokens ending with a dot,
 * e.g. "myapp." or "prod.myapp.", without spaces, control characters or wildcards. Returns it unchanged.
 * @throws TypeError when the prefix is not acceptable.
 */
export function checkPrefix(prefix: string | undefined | null): string {
  if (prefix === undefined || prefix === null || prefix === "") return "";
  if (typeof prefix !== "string") throw new TypeError(`prefix must be a string (got ${typeof prefix})`);
  if (!prefix.endsWith(".") || prefix.startsWith(".") || prefix.includes("..") || /[\s\p{Cc}*>]/u.test(prefix)) {
    throw new TypeError(
      `prefix ${JSON.stringify(prefix)} is not valid: give subject tokens ending with a dot, e.g. "myapp.", ` +
        "without spaces or wildcards (Perms' Events:SubjectPrefix must be the same)",
    );
  }
  return prefix;
}

function checkId(type: string, name: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new TypeError(`${type}: ${name} must be a string (got ${value === null ? "null" : typeof value})`);
  }
  if (value.length === 0) throw new TypeError(`${type}: ${name} is empty`);
  if (utf8.encode(value).length > MAX_ID_BYTES) {
    throw new TypeError(`${type}: ${name} is longer than ${MAX_ID_BYTES} bytes (Perms would drop the event)`);
  }
  return value;
}

function checkRole(type: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (!value.every((r) => typeof r === "string")) throw new TypeError(`${type}: role must be a string or an array of strings`);
    value = value.join(",");
  }
  if (typeof value !== "string") throw new TypeError(`${type}: role must be a string or an array of strings (got ${typeof value})`);
  return value === "" ? undefined : (value as string);
}

/**
 * `occurredAt` as ISO-8601 UTC. A Date or Unix milliseconds is converted; a string must be a date JavaScript can
 * read, and is re-written in UTC.
 * @throws TypeError when it is not a valid point in time.
 */
export function toIsoTimestamp(value: OccurredAt | undefined, now: () => Date = () => new Date()): string {
  let date: Date;
  if (value === undefined) date = now();
  else if (value instanceof Date) date = value;
  else if (typeof value === "number") date = new Date(value);
  else if (typeof value === "string") date = new Date(value);
  else throw new TypeError(`occurredAt must be a Date, an ISO-8601 string or Unix milliseconds (got ${typeof value})`);
  const time = date.getTime();
  if (!Number.isFinite(time)) throw new TypeError(`occurredAt ${JSON.stringify(String(value))} is not a valid date`);
  return date.toISOString();
}

/**
 * The payload of `event` (without the subject). Field order: userId, organizationId, teamId, role, occurredAt.
 * @throws TypeError when the event is not one of the contract or a required id is missing.
 */
export function eventPayload(event: PermsEvent, now?: () => Date): EventPayload {
  if (event === null || typeof event !== "object") throw new TypeError("an event must be an object with a type");
  const type = (event as { type?: unknown }).type;
  if (!isSubject(type)) {
    throw new TypeError(`unknown event type ${JSON.stringify(type)}; one of: ${SUBJECTS.join(", ")}`);
  }
  const e = event as unknown as Record<string, unknown>;
  const payload: Omit<EventPayload, "occurredAt"> = {};
  switch (type) {
    case "member.role.changed":
    case "member.added": {
      payload.userId = checkId(type, "userId", e.userId);
      payload.organizationId = checkId(type, "organizationId", e.organizationId);
      const role = checkRole(type, e.role);
      if (role !== undefined) payload.role = role;
      break;
    }
    case "member.removed":
      payload.userId = checkId(type, "userId", e.userId);
      payload.organizationId = checkId(type, "organizationId", e.organizationId);
      break;
    case "organization.role.changed": {
      payload.organizationId = checkId(type, "organizationId", e.organizationId);
      const role = checkRole(type, e.role);
      if (role !== undefined) payload.role = role;
      break;
    }
    case "organization.deleted":
      payload.organizationId = checkId(type, "organizationId", e.organizationId);
      break;
    case "user.updated":
    case "user.deleted":
      payload.userId = checkId(type, "userId", e.userId);
      break;
    case "team.member.changed":
      payload.userId = checkId(type, "userId", e.userId);
      payload.organizationId = checkId(type, "organizationId", e.organizationId);
      payload.teamId = checkId(type, "teamId", e.teamId);
      break;
    case "perms.cache.flush":
      break;
  }
  return { ...payload, occurredAt: toIsoTimestamp(e.occurredAt as OccurredAt | undefined, now) };
}

/**
 * The subject (prefix included), the payload and its JSON text for `event`.
 * @param prefix "" or tokens ending with a dot (see {@link checkPrefix}).
 * @throws TypeError when the event or the prefix is not valid.
 */
export function encodeEvent(event: PermsEvent, prefix = "", now?: () => Date): EncodedEvent {
  const p = checkPrefix(prefix);
  const payload = eventPayload(event, now);
  return { subject: p + event.type, payload, data: JSON.stringify(payload) };
}

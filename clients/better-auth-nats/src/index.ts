/**
 * @perms/better-auth-nats: publishes Perms' change events (shared/design/events.md) on NATS from a Better Auth app.
 */
export {
  SUBJECTS,
  checkPrefix,
  encodeEvent,
  eventPayload,
  isSubject,
  toIsoTimestamp,
  type CacheFlushEvent,
  type EncodedEvent,
  type EventPayload,
  type MemberAddedEvent,
  type MemberRemovedEvent,
  type MemberRoleChangedEvent,
  type OccurredAt,
  type OrganizationDeletedEvent,
  type OrganizationRoleChangedEvent,
  type PermsEvent,
  type RoleInput,
  type Subject,
  type TeamMemberChangedEvent,
  type UserDeletedEvent,
  type UserUpdatedEvent,
} from "./events.js";
export {
  PermsPublishError,
  createPermsPublisher,
  type PermsErrorHandler,
  type PermsLogger,
  type PermsPublishErrorCode,
  type PermsPublisher,
  type PermsPublisherOptions,
  type PermsPublisherState,
  type PermsPublisherStats,
} from "./publisher.js";
export {
  mergeOrganizationHooks,
  permsNatsEvents,
  type PermsDatabaseHooks,
  type PermsNatsEvents,
  type PermsNatsEventsOptions,
  type PermsNatsPlugin,
  type PermsOrganizationHookName,
  type PermsOrganizationHooks,
} from "./better-auth.js";

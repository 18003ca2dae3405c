namespace Perms.IntegrationTests.Events;

/// <summary>What demo/change.mjs reports: when the Better Auth call started and returned, and what became of the event.</summary>
/// <param name="ChangedAt">Just before Better Auth's call.</param>
/// <param name="CommittedAt">Just after it returned (the row is committed).</param>
/// <param name="Published">Events the publisher handed to NATS.</param>
/// <param name="Errors">The publisher's error codes, as JSON.</param>
public sealed record DemoChange(DateTimeOffset ChangedAt, DateTimeOffset CommittedAt, int Published, string Errors);

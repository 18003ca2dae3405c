using System.Text;
using Perms.Silo.Events;

namespace Perms.UnitTests.Events;

/// <summary>Every subject of the contract, its required ids, both forms of occurredAt, and precise errors for the rest.</summary>
public sealed class ChangeEventParserTests
{
    private static (ChangeEvent? Event, string? Error) Parse(string subject, string json)
    {
        ChangeEventParser.TryParse(subject, Encoding.UTF8.GetBytes(json), out var changeEvent, out var error);
        return (changeEvent, error);
    }

    [Theory]
    [InlineData("member.role.changed", ChangeEventKind.MemberRoleChanged, """{"userId":"u1","organizationId":"o1","role":"admin","occurredAt":"2026-11-22T10:00:00Z"}""")]
    [InlineData("member.removed", ChangeEventKind.MemberRemoved, """{"userId":"u1","organizationId":"o1","occurredAt":"2026-11-22T10:00:00Z"}""")]
    [InlineData("member.added", ChangeEventKind.MemberAdded, """{"userId":"u1","organizationId":"o1","role":"member","occurredAt":"2026-11-22T10:00:00Z"}""")]
    [InlineData("team.member.changed", ChangeEventKind.TeamMemberChanged, """{"userId":"u1","organizationId":"o1","teamId":"t1","occurredAt":"2026-11-22T10:00:00Z"}""")]
    [InlineData("user.updated", ChangeEventKind.UserUpdated, """{"userId":"u1","occurredAt":"2026-11-22T10:00:00Z"}""")]
    [InlineData("user.deleted", ChangeEventKind.UserDeleted, """{"userId":"u1","occurredAt":"2026-11-22T10:00:00Z"}""")]
    [InlineData("organization.role.changed", ChangeEventKind.OrganizationRoleChanged, """{"organizationId":"o1","role":"auditor","occurredAt":"2026-11-22T10:00:00Z"}""")]
    [InlineData("organization.deleted", ChangeEventKind.OrganizationDeleted, """{"organizationId":"o1","occurredAt":"2026-11-22T10:00:00Z"}""")]
    [InlineData("perms.cache.flush", ChangeEventKind.CacheFlush, """{"occurredAt":"2026-11-22T10:00:00Z"}""")]
    public void Every_subject_of_the_contract_parses_with_its_ids(string subject, ChangeEventKind kind, string json)
    {
        var (changeEvent, error) = Parse(subject, json);

        Assert.Null(error);
        Assert.Equal(kind, changeEvent!.Kind);
        Assert.Equal(json.Contains("userId", StringComparison.Ordinal) ? "u1" : null, changeEvent.UserId);
        Assert.Equal(json.Contains("organizationId", StringComparison.Ordinal) ? "o1" : null, changeEvent.OrganizationId);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), changeEvent.OccurredAt);
        Assert.Empty(changeEvent.Warnings);
    }

    [Theory]
    [InlineData("\"2026-11-22T10:00:00.250Z\"")]
    [InlineData("\"2026-11-22T11:00:00.250+01:00\"")]
    [InlineData("1795341600250")]
    public void OccurredAt_is_ISO_8601_or_Unix_milliseconds(string occurredAt)
    {
        var (changeEvent, _) = Parse("user.updated", $$"""{"userId":"u1","occurredAt":{{occurredAt}}}""");

        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 0, 250, TimeSpan.Zero), changeEvent!.OccurredAt);
        Assert.Equal(TimeSpan.Zero, changeEvent.OccurredAt!.Value.Offset);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        var (changeEvent, error) = Parse("user.updated", """{"userId":"u1","occurredAt":0,"extra":{"nested":[1,2,3]},"role":null}""");

        Assert.Null(error);
        Assert.Equal("u1", changeEvent!.UserId);
        Assert.Empty(changeEvent.Warnings);
    }

    [Theory]
    [InlineData("user.updated", """{"occurredAt":0}""", "userId is missing")]
    [InlineData("user.updated", """{"userId":null}""", "userId is missing")]
    [InlineData("user.deleted", """{"userId":42}""", "userId is a JSON number; expected a string")]
    [InlineData("member.added", """{"userId":""}""", "userId is empty")]
    [InlineData("organization.deleted", """{"userId":"u1"}""", "organizationId is missing")]
    [InlineData("organization.role.changed", """{"organizationId":["o1"]}""", "organizationId is a JSON array; expected a string")]
    [InlineData("user.updated", """["u1"]""", "the payload is a JSON array; expected an object")]
    [InlineData("user.updated", "\"u1\"", "the payload is a JSON string; expected an object")]
    [InlineData("user.updated", """{"userId":"\ud800"}""", "userId is not valid Unicode (a lone surrogate escape)")]
    [InlineData("no.such.subject", """{"userId":"u1"}""", "unknown subject")]
    [InlineData("user", """{"userId":"u1"}""", "unknown subject")]
    public void Events_without_what_Perms_acts_on_are_dropped_naming_the_field(string subject, string json, string expected)
    {
        var (changeEvent, error) = Parse(subject, json);

        Assert.Null(changeEvent);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("{\"userId\":\"u1\",}")]
    [InlineData("{\"userId\":\"u1\"} trailing")]
    public void Payloads_that_are_not_JSON_are_dropped_with_the_parser_message(string json)
    {
        var (changeEvent, error) = Parse("user.updated", json);

        Assert.Null(changeEvent);
        Assert.StartsWith("the payload is not JSON: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_longer_than_any_grain_key_and_huge_payloads_are_dropped()
    {
        Assert.Equal("userId is longer than 255 bytes", Parse("user.updated", $$"""{"userId":"{{new string('é', 128)}}"}""").Error);
        Assert.StartsWith("the payload has 70000 bytes", Parse("user.updated", "{\"userId\":\"u1\",\"pad\":\"" + new string('x', 70000 - 24) + "\"}").Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"userId":"u1"}""", "occurredAt is missing")]
    [InlineData("""{"userId":"u1","occurredAt":"yesterday"}""", "occurredAt is \"yesterday\"; expected an ISO-8601 UTC string or Unix milliseconds")]
    [InlineData("""{"userId":"u1","occurredAt":-5}""", "occurredAt is -5; expected an ISO-8601 UTC string or Unix milliseconds")]
    [InlineData("""{"userId":"u1","occurredAt":1.5}""", "occurredAt is 1.5; expected an ISO-8601 UTC string or Unix milliseconds")]
    [InlineData("""{"userId":"u1","occurredAt":true}""", "occurredAt is a JSON true; expected an ISO-8601 UTC string or Unix milliseconds")]
    [InlineData("""{"userId":"u1","occurredAt":"\udc00"}""", "occurredAt is a string that is not valid Unicode; expected an ISO-8601 UTC string or Unix milliseconds")]
    public void A_bad_occurredAt_is_a_warning_and_the_invalidation_still_happens(string json, string warning)
    {
        var (changeEvent, error) = Parse("user.updated", json);

        Assert.Null(error);
        Assert.Equal("u1", changeEvent!.UserId);
        Assert.Null(changeEvent.OccurredAt);
        Assert.Equal([warning], changeEvent.Warnings);
    }

    [Fact]
    public void Contract_fields_Perms_does_not_act_on_are_warnings_too()
    {
        var (changeEvent, _) = Parse("team.member.changed", """{"userId":"u1","organizationId":7,"role":["x"],"occurredAt":0}""");

        Assert.Equal("u1", changeEvent!.UserId);
        Assert.Equal(["organizationId is a JSON number; expected a string", "teamId is missing", "role is a JSON array; expected a string"], changeEvent.Warnings);
    }
}

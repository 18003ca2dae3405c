using Google.Protobuf.Collections;
using Perms.Api.V1;
using Perms.Gateway.Validation;

namespace Perms.UnitTests.Gateway;

public sealed class RequestValidatorTests
{
    [Theory]
    [InlineData("", "user_id is empty")]
    [InlineData("a\u0000b", "user_id contains a control character (U+0000) at position 1")]
    [InlineData("tab\there", "user_id contains a control character (U+0009) at position 3")]
    public void Bad_ids_are_named_and_explained(string id, string message)
    {
        Assert.Equal(message, RequestValidator.Id(id, "user_id"));
    }

    [Fact]
    public void Ids_are_bounded_in_UTF_8_bytes_not_characters()
    {
        Assert.Null(RequestValidator.Id(new string('a', 255), "user_id"));
        Assert.Equal("user_id is longer than 255 bytes", RequestValidator.Id(new string('a', 256), "user_id"));
        Assert.Equal("organization_id is longer than 255 bytes", RequestValidator.Id(new string('é', 128), "organization_id"));
    }

    [Fact]
    public void An_empty_map_and_empty_action_lists_are_valid_input()
    {
        var permissions = new MapField<string, Actions> { ["member"] = new Actions() };

        Assert.Null(RequestValidator.Permissions([], "permissions"));
        Assert.Null(RequestValidator.Permissions(permissions, "permissions"));
    }

    [Fact]
    public void Too_many_resources_or_actions_are_refused_with_the_bound()
    {
        var resources = new MapField<string, Actions>();
        for (var i = 0; i <= RequestLimits.MaxResources; i++)
        {
            resources[$"r{i}"] = new Actions { Actions_ = { "read" } };
        }

        var actions = new MapField<string, Actions> { ["member"] = new Actions() };
        actions["member"].Actions_.AddRange(Enumerable.Range(0, RequestLimits.MaxActionsPerResource + 1).Select(i => $"a{i}"));

        Assert.Equal("permissions has 33 resources; at most 32 are allowed", RequestValidator.Permissions(resources, "permissions"));
        Assert.Equal("checks[2].permissions[\"member\"].actions has 33 actions; at most 32 are allowed", RequestValidator.Permissions(actions, "checks[2].permissions"));
    }

    [Theory]
    [InlineData("", "read", "permissions[\"\"]: the name is empty")]
    [InlineData("member", "", "permissions[\"member\"].actions[0]: the name is empty")]
    [InlineData("mem\u0001ber", "read", "permissions[\"mem?ber\"]: the name contains a control character (U+0001)")]
    public void Bad_names_are_named_with_their_path(string resource, string action, string message)
    {
        var permissions = new MapField<string, Actions> { [resource] = new Actions { Actions_ = { action } } };

        Assert.Equal(message, RequestValidator.Permissions(permissions, "permissions"));
    }

    [Fact]
    public void Long_names_are_refused()
    {
        var permissions = new MapField<string, Actions> { ["member"] = new Actions { Actions_ = { new string('x', 129) } } };

        Assert.Equal("permissions[\"member\"].actions[0]: the name is longer than 128 bytes", RequestValidator.Permissions(permissions, "permissions"));
    }
}

using Perms.Grains.Permissions;

namespace Perms.UnitTests.Permissions;

public sealed class RoleNamesTests
{
    [Theory]
    [InlineData("admin,member", new[] { "admin", "member" })]
    [InlineData(" admin , member ", new[] { "admin", "member" })]
    [InlineData("admin,admin, admin", new[] { "admin" })]
    [InlineData(",,", new string[0])]
    [InlineData("\u2028admin\u3000", new[] { "admin" })]
    public void Organization_roles_are_split_trimmed_and_deduplicated(string raw, string[] expected)
    {
        Assert.Equal(expected, RoleNames.ParseOrganization(raw).Names);
    }

    [Theory]
    [InlineData("user, admin", new[] { "user", " admin" })]
    [InlineData("admin,", new[] { "admin", "" })]
    [InlineData(" ", new[] { " " })]
    public void Platform_roles_are_split_without_trimming(string raw, string[] expected)
    {
        Assert.Equal(expected, RoleNames.ParsePlatform(raw, "user").Names);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void An_empty_platform_role_is_the_default_role(string? raw)
    {
        Assert.Equal(["guest", "reader"], RoleNames.ParsePlatform(raw, "guest,reader").Names);
    }

    [Fact]
    public void A_union_keeps_the_first_lists_order_and_adds_new_names()
    {
        var union = RoleNames.ParseOrganization("b,a").Union(RoleNames.ParseOrganization("a,c"));

        Assert.Equal(["b", "a", "c"], union.Names);
        Assert.Equal("b,a,c", union.ToString());
    }

    [Theory]
    [InlineData('\u0009', true)]
    [InlineData('\u000B', true)]
    [InlineData('\u000C', true)]
    [InlineData('\u0020', true)]
    [InlineData('\u00A0', true)]
    [InlineData('\uFEFF', true)]
    [InlineData('\u1680', true)]
    [InlineData('\u2000', true)]
    [InlineData('\u202F', true)]
    [InlineData('\u3000', true)]
    [InlineData('\n', true)]
    [InlineData('\r', true)]
    [InlineData('\u2028', true)]
    [InlineData('\u2029', true)]
    [InlineData('\u0085', false)]
    [InlineData('\u180E', false)]
    [InlineData('\u200B', false)]
    [InlineData('a', false)]
    public void JavaScript_white_space_is_exactly_ECMAScripts(char c, bool expected)
    {
        Assert.Equal(expected, JsString.IsWhiteSpaceOrLineTerminator(c));
    }
}

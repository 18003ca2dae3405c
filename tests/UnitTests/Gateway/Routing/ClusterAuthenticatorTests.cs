using Perms.Gateway.Routing;

namespace Perms.UnitTests.Gateway.Routing;

/// <summary>The internal API's shared secret: what a router sends and what a silo accepts.</summary>
public sealed class ClusterAuthenticatorTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    private readonly ClusterAuthenticator _authenticator = new([Token]);

    [Fact]
    public void A_router_sends_the_token_as_a_bearer_authorization()
    {
        var header = Assert.Single(_authenticator.Authorization);

        Assert.Equal("authorization", header.Key);
        Assert.Equal("Bearer " + Token, header.Value);
        Assert.True(_authenticator.IsValid(header.Value));
    }

    [Theory]
    [InlineData("Bearer " + Token)]
    [InlineData("bearer " + Token)]
    [InlineData("BEARER " + Token)]
    [InlineData("Bearer   " + Token + "  ")]
    public void The_token_is_accepted_whatever_the_case_of_the_scheme_and_the_spaces_around_it(string authorization)
    {
        Assert.True(_authenticator.IsValid(authorization));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData(Token)]
    [InlineData("Basic " + Token)]
    [InlineData("Bearer" + Token)]
    [InlineData("Bearer 0123456789abcdef0123456789abcdeF")]
    [InlineData("Bearer 0123456789abcdef0123456789abcde")]
    [InlineData("Bearer " + Token + "0")]
    [InlineData("Bearer " + Token + " " + Token)]
    public void Another_token_scheme_or_no_token_is_refused(string? authorization)
    {
        Assert.False(_authenticator.IsValid(authorization));
    }

    [Fact]
    public void A_token_longer_than_the_stack_buffer_is_refused_and_a_long_valid_one_accepted()
    {
        var longToken = new string('x', 1_000);
        var authenticator = new ClusterAuthenticator([longToken]);

        Assert.False(_authenticator.IsValid("Bearer " + new string('x', 10_000)));
        Assert.False(authenticator.IsValid("Bearer " + longToken[..^1] + "y"));
        Assert.True(authenticator.IsValid("Bearer " + longToken));
    }

    [Fact]
    public void Non_ASCII_tokens_are_compared_as_UTF8()
    {
        var authenticator = new ClusterAuthenticator(["ключ-кластера-ключ-кластера-ключ-кластера"]);

        Assert.True(authenticator.IsValid("Bearer ключ-кластера-ключ-кластера-ключ-кластера"));
        Assert.False(authenticator.IsValid("Bearer ключ-кластера-ключ-кластера-ключ-кластерa"));
    }

    [Fact]
    public void While_a_secret_rotates_the_first_token_is_sent_and_both_are_accepted()
    {
        const string next = "fedcba9876543210fedcba9876543210";
        var authenticator = new ClusterAuthenticator([next, Token]);

        Assert.Equal("Bearer " + next, Assert.Single(authenticator.Authorization).Value);
        Assert.True(authenticator.IsValid("Bearer " + next));
        Assert.True(authenticator.IsValid("Bearer " + Token));
        Assert.False(authenticator.IsValid("Bearer " + next + " " + Token));
        Assert.False(authenticator.IsValid("Bearer " + next[..^1]));
    }

    [Fact]
    public void No_token_or_a_blank_one_cannot_be_used()
    {
        Assert.Throws<ArgumentNullException>(() => new ClusterAuthenticator(null!));
        Assert.Throws<ArgumentException>(() => new ClusterAuthenticator([]));
        Assert.Throws<ArgumentException>(() => new ClusterAuthenticator([""]));
        Assert.Throws<ArgumentException>(() => new ClusterAuthenticator([Token, "   "]));
    }
}

using Perms.Grpc;
using Perms.Grpc.Internal;

namespace Perms.UnitTests.Grpc;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("2S", 20_000_000L)]
    [InlineData("100m", 1_000_000L)]
    [InlineData("7u", 70L)]
    [InlineData("1n", 1L)]
    [InlineData("250n", 3L)]
    [InlineData("0m", 0L)]
    [InlineData("99999999H", 99_999_999L * 36_000_000_000L)]
    public void Every_grpc_timeout_unit_parses(string value, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("5")]
    [InlineData("5s")]
    [InlineData("5h")]
    [InlineData("123456789S")]
    [InlineData(" 5S")]
    [InlineData("-5S")]
    [InlineData("5 S")]
    public void A_malformed_grpc_timeout_does_not_parse(string value) => Assert.False(GrpcTimeout.TryParse(value, out _));

    [Theory]
    [InlineData(1L, "1u")]
    [InlineData(15L, "2u")]
    [InlineData(10_000_000L, "1000000u")]
    [InlineData(36_000_000_000L, "3600000m")]
    public void A_timeout_is_sent_in_the_finest_unit_that_fits_rounded_up(long ticks, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Formatted_timeouts_parse_back_to_at_least_the_timeout()
    {
        foreach (var timeout in new[] { TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(1.5), TimeSpan.FromSeconds(99), TimeSpan.FromDays(3), TimeSpan.FromDays(400_000) })
        {
            Assert.True(GrpcTimeout.TryParse(GrpcTimeout.Format(timeout), out var parsed));
            Assert.True(parsed >= timeout || timeout > TimeSpan.FromHours(99_999_999));
        }
    }

    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("100%", "100%25")]
    [InlineData("ü", "%C3%BC")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("\U0001F600", "%F0%9F%98%80")]
    [InlineData("~\u007F", "~%7F")]
    public void Status_messages_are_percent_encoded_utf8(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcPercentEncoding.Encode(message));
        Assert.Equal(message, GrpcPercentEncoding.Decode(encoded));
    }

    [Theory]
    [InlineData("%", "%")]
    [InlineData("%4", "%4")]
    [InlineData("%zz", "%zz")]
    [InlineData("a%41", "aA")]
    [InlineData("%c3%bc", "ü")]
    [InlineData("%FF", "\uFFFD")]
    public void Decoding_is_lenient_with_malformed_escapes(string encoded, string message) =>
        Assert.Equal(message, GrpcPercentEncoding.Decode(encoded));

    [Fact]
    public void A_very_long_status_message_is_cut()
    {
        var encoded = GrpcPercentEncoding.Encode(new string('x', 10_000));

        Assert.Equal(GrpcPercentEncoding.MaxMessageLength + 3, encoded.Length);
    }

    [Theory]
    [InlineData("application/grpc", true, true)]
    [InlineData("application/GRPC", true, true)]
    [InlineData("application/grpc+proto", true, true)]
    [InlineData("application/grpc; charset=utf-8", true, true)]
    [InlineData("application/grpc+json", true, false)]
    [InlineData("application/grpc-web", false, false)]
    [InlineData("application/grpc+", false, false)]
    [InlineData("application/json", false, false)]
    [InlineData(null, false, false)]
    public void Content_types_are_recognised(string? contentType, bool grpc, bool proto)
    {
        Assert.Equal(grpc, GrpcProtocol.IsGrpcContentType(contentType));
        Assert.Equal(proto, GrpcProtocol.IsProtoContentType(contentType));
    }

    [Theory]
    [InlineData("0", GrpcStatusCode.OK)]
    [InlineData("16", GrpcStatusCode.Unauthenticated)]
    [InlineData("17", GrpcStatusCode.Unknown)]
    [InlineData("99999", GrpcStatusCode.Unknown)]
    public void Status_numbers_parse_and_unknown_ones_are_UNKNOWN(string value, GrpcStatusCode code)
    {
        Assert.True(GrpcProtocol.TryParseStatus(value, out var parsed));
        Assert.Equal(code, parsed);
    }

    [Fact]
    public void A_status_exception_refuses_OK()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GrpcStatusException(GrpcStatusCode.OK, "fine"));
    }
}

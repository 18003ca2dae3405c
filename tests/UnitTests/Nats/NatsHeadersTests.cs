using System.Text;
using Perms.Nats;

namespace Perms.UnitTests.Nats;

/// <summary>Headers: an ordered multi-map with a status line, written and read as NATS/1.0 blocks.</summary>
public sealed class NatsHeadersTests
{
    [Fact]
    public void Headers_keep_the_order_of_names_and_values()
    {
        var headers = new NatsHeaders { { "B", "1" }, { "A", "2" }, { "B", "3" } };
        headers.Set("C", "x");
        headers.Set("C", "y");

        Assert.Equal(["B", "A", "C"], headers.Names);
        Assert.Equal(["1", "3"], headers["B"]);
        Assert.Equal(["y"], headers["C"]);
        Assert.Empty(headers["missing"]);
        Assert.Equal("1", headers.GetFirstValue("B"));
        Assert.Null(headers.GetFirstValue("b"));
        Assert.True(headers.Remove("A"));
        Assert.False(headers.ContainsKey("A"));
        Assert.Equal(2, headers.Count);
        Assert.Equal("NATS/1.0\r\nB: 1\r\nB: 3\r\nC: y\r\n\r\n", headers.ToString());
    }

    [Fact]
    public void A_status_is_written_on_the_header_line_and_read_back()
    {
        var headers = new NatsHeaders { StatusCode = 408, StatusDescription = "Request Timeout" };
        headers.Add("Nats-Pending-Messages", "1");
        var text = headers.ToString();

        var read = Parse(text);

        Assert.Equal("NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\n\r\n", text);
        Assert.Equal(408, read.StatusCode);
        Assert.Equal("Request Timeout", read.StatusDescription);
        Assert.Equal(["1"], read["Nats-Pending-Messages"]);
    }

    [Fact]
    public void Reading_is_lenient_with_what_another_client_wrote()
    {
        var read = Parse("NATS/1.0 503\r\nno colon here\r\nKey:value\r\nÜmlaut: ünïcode  \r\n\r\n");

        Assert.Equal(503, read.StatusCode);
        Assert.Null(read.StatusDescription);
        Assert.Equal(["Key", "Ümlaut"], read.Names);
        Assert.Equal(["ünïcode"], read["Ümlaut"]);
    }

    [Theory]
    [InlineData("", "v")]
    [InlineData("a b", "v")]
    [InlineData("a:b", "v")]
    [InlineData("é", "v")]
    [InlineData("a", "line\r\nbreak")]
    [InlineData("a", "line\nbreak")]
    public void A_name_or_value_that_would_break_the_block_is_refused(string name, string value)
    {
        var headers = new NatsHeaders();

        Assert.ThrowsAny<ArgumentException>(() => headers.Add(name, value));
        Assert.Equal(0, headers.Count);
    }

    [Fact]
    public void A_status_code_has_three_digits()
    {
        var headers = new NatsHeaders();

        Assert.Throws<ArgumentOutOfRangeException>(() => headers.StatusCode = 42);
    }

    private static NatsHeaders Parse(string block)
    {
        var bytes = Encoding.UTF8.GetBytes(block);
        return NatsHeaders.Parse(BufferSegment.Split(bytes, bytes.Length / 2));
    }
}

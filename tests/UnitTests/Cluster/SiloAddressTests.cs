namespace Perms.UnitTests.Cluster;

public sealed class SiloAddressTests
{
    [Theory]
    [InlineData("silo-0.perms:7000", "silo-0.perms", 7000)]
    [InlineData("10.0.0.1:1", "10.0.0.1", 1)]
    [InlineData("[::1]:65535", "::1", 65535)]
    [InlineData("Silo-0.PERMS:7000", "silo-0.perms", 7000)]
    public void Parse_reads_host_and_port(string text, string host, int port)
    {
        var address = SiloAddress.Parse(text);

        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
    }

    [Theory]
    [InlineData("silo-0.perms:7000")]
    [InlineData("[::1]:7000")]
    public void ToString_round_trips_through_Parse(string text) =>
        Assert.Equal(text, SiloAddress.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("silo-0")]
    [InlineData("silo-0:")]
    [InlineData(":7000")]
    [InlineData("silo-0:0")]
    [InlineData("silo-0:65536")]
    [InlineData("silo-0:70a")]
    [InlineData("::1:7000")]
    [InlineData("bad host:7000")]
    public void Parse_of_a_bad_address_names_the_input(string text)
    {
        var exception = Assert.Throws<FormatException>(() => SiloAddress.Parse(text));

        Assert.Contains($"'{text}'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("host:port", exception.Message, StringComparison.Ordinal);
        Assert.False(SiloAddress.TryParse(text, out _));
    }

    [Fact]
    public void Addresses_order_ordinally_by_host_then_port()
    {
        var sorted = new[] { "b:1", "a:20", "B:5", "a:3", "0.example:9" }.Select(SiloAddress.Parse).Order().Select(a => a.ToString());

        Assert.Equal(["0.example:9", "a:3", "a:20", "b:1", "b:5"], sorted);
    }

    [Fact]
    public void Addresses_are_equal_by_host_and_port_whatever_the_host_case()
    {
        Assert.Equal(SiloAddress.Parse("Silo:7000"), new SiloAddress("silo", 7000));
        Assert.Equal(SiloAddress.Parse("Silo:7000").GetHashCode(), new SiloAddress("silo", 7000).GetHashCode());
        Assert.NotEqual(SiloAddress.Parse("silo:7000"), SiloAddress.Parse("silo:7001"));
    }
}

using Perms.Silo.Events;

namespace Perms.UnitTests.Events;

/// <summary>NATS URLs may carry credentials; logs and validation messages never show them.</summary>
public sealed class EventOptionsRedactionTests
{
    [Theory]
    [InlineData("nats://127.0.0.1:4222", "nats://127.0.0.1:4222")]
    [InlineData("nats://s3cret@nats.internal:4222", "nats://***@nats.internal:4222/")]
    [InlineData("nats://user:pa55@a:4222, tls://b:4222", "nats://***@a:4222/, tls://b:4222")]
    [InlineData("not a url", "not a url")]
    public void Credentials_in_urls_are_replaced(string urls, string expected) => Assert.Equal(expected, EventOptions.Redact(urls));
}

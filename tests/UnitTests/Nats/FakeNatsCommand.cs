namespace Perms.UnitTests.Nats;

/// <summary>One operation a client sent: its line and, for PUB/HPUB, the bytes after it.</summary>
public sealed record FakeNatsCommand(string Line, byte[] Payload)
{
    public string Op => Line.Split(' ')[0];

    public string[] Arguments => Line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
}

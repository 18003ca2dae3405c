using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Perms.Grpc;
using Perms.UnitTests.Grpc.Protos;

namespace Perms.UnitTests.Grpc;

[Collection(GrpcServerCollection.Name)]
public sealed class GrpcFuzzTests(GrpcServerFixture server) : IDisposable
{
    private const int Bodies = 3000;
    private const int Concurrency = 4;

    private readonly RawGrpcClient _raw = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _raw.Dispose();

    [Fact]
    public async Task Thousands_of_random_and_truncated_bodies_each_end_with_a_grpc_status_and_the_server_keeps_serving()
    {
        var random = new Random(20251122);
        var cases = new (string Path, byte[] Body, KeyValuePair<string, string>[] Headers)[Bodies];
        for (var i = 0; i < cases.Length; i++)
        {
            cases[i] = NextCase(random);
        }

        var errorsBefore = CountWireErrors();
        var statuses = new int[17];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await Parallel.ForAsync(0, cases.Length, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = Token }, async (i, ct) =>
        {
            var (path, body, headers) = cases[i];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            RawGrpcResponse response;
            try
            {
                response = await _raw.SendAsync(server.Address, path, body, headers: headers, cancellationToken: timeout.Token);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                failures.Enqueue($"case {i} ({body.Length} bytes to {path}): {e.GetType().Name}: {e.Message}");
                return;
            }

            if (response.HttpStatus != 200 || response.Status is not { } status || (int)status is < 0 or > 16)
            {
                failures.Enqueue($"case {i}: HTTP {response.HttpStatus}, grpc-status {response.Status}");
                return;
            }

            Interlocked.Increment(ref statuses[(int)status]);
        });

        Assert.Empty(failures);
        Assert.Equal(Bodies, statuses.Sum());
        Assert.True(statuses[(int)GrpcStatusCode.OK] > 0, "some bodies were valid requests");
        Assert.True(statuses[(int)GrpcStatusCode.InvalidArgument] > 0, "some bodies did not parse");
        Assert.True(statuses[(int)GrpcStatusCode.Internal] > 0, "some bodies were not well framed");
        Assert.True(statuses[(int)GrpcStatusCode.ResourceExhausted] > 0, "some frames announced too much");
        Assert.Equal(errorsBefore, CountWireErrors());

        using var channel = new GrpcChannel(server.Address);
        var after = await channel.CallUnaryAsync(GrpcServerFixture.PathOf("Echo"), new EchoMessage { Text = "still serving" }, EchoMessage.Parser, null, Token);
        Assert.Equal("still serving", after.Text);
    }

    /// <summary>Errors logged by anything but the Throw test's handler: a wire-layer bug shows here.</summary>
    private int CountWireErrors()
    {
        var count = 0;
        foreach (var entry in server.Logs.Entries)
        {
            if (entry.Level >= LogLevel.Error && !entry.Message.Contains("/Throw", StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    private static (string Path, byte[] Body, KeyValuePair<string, string>[] Headers) NextCase(Random random)
    {
        var path = random.Next(10) switch
        {
            0 => GrpcServerFixture.PathOf("Count"),
            1 => "/fuzz.Unknown/Method",
            _ => GrpcServerFixture.PathOf("Echo"),
        };
        var headers = random.Next(6) switch
        {
            0 => [new("grpc-encoding", "gzip")],
            1 => [new("grpc-timeout", RandomTimeout(random))],
            2 => [new("grpc-encoding", RandomAscii(random, 1 + random.Next(8)))],
            _ => Array.Empty<KeyValuePair<string, string>>(),
        };
        var valid = Frames.Of(RandomMessage(random, depth: 0)).AsSpan();
        byte[] body = random.Next(9) switch
        {
            0 => RandomBytes(random, random.Next(41)),
            1 => valid[..random.Next(valid.Length)].ToArray(),
            2 => [.. valid, .. RandomBytes(random, 1 + random.Next(20))],
            3 => [.. Frames.Header((byte)random.Next(256), (uint)random.Next()), .. RandomBytes(random, random.Next(64))],
            4 => Frames.Frame(RandomBytes(random, random.Next(64))),
            5 => [.. valid, .. valid],
            6 => Frames.Frame(Truncate(random, Frames.Gzip(RandomMessage(random, 0).ToByteArray())), flag: 1),
            7 => Flip(random, valid.ToArray()),
            _ => valid.ToArray(),
        };
        if (random.Next(50) == 0)
        {
            // A frame header announcing a message over the limit, with a little of it.
            body = [.. Frames.Header(0, (uint)(GrpcServerFixture.MaxMessageSize + 1 + random.Next(1000))), .. RandomBytes(random, random.Next(100))];
        }

        return (path, body, headers);
    }

    private static EchoMessage RandomMessage(Random random, int depth)
    {
        var message = new EchoMessage
        {
            Text = RandomAscii(random, random.Next(20)),
            Payload = ByteString.CopyFrom(RandomBytes(random, random.Next(30))),
            Number = random.Next(int.MinValue, int.MaxValue),
        };
        if (depth < 2)
        {
            for (var i = random.Next(3); i > 0; i--)
            {
                message.Children.Add(RandomMessage(random, depth + 1));
            }
        }

        for (var i = random.Next(3); i > 0; i--)
        {
            message.Labels[RandomAscii(random, 1 + random.Next(5))] = random.NextInt64();
        }

        return message;
    }

    private static string RandomTimeout(Random random) => random.Next(4) switch
    {
        0 => RandomAscii(random, random.Next(12)),
        1 => $"{random.Next(1, 100_000_000)}{"HMSmun"[random.Next(6)]}",
        _ => $"{random.Next(1, 1000)}S",
    };

    private static byte[] Truncate(Random random, byte[] data) => random.Next(2) == 0 ? data : data[..random.Next(data.Length)];

    private static byte[] Flip(Random random, byte[] data)
    {
        for (var i = 1 + random.Next(4); i > 0; i--)
        {
            var at = 5 + random.Next(Math.Max(1, data.Length - 5));
            if (at < data.Length)
            {
                data[at] = (byte)random.Next(256);
            }
        }

        return data;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string RandomAscii(Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(0x21, 0x7F);
        }

        return new string(chars);
    }
}

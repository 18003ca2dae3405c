namespace Perms.UnitTests.Grpc;

/// <summary>The gRPC tests share one server and run one at a time (the fuzz test counts the server's error logs).</summary>
[CollectionDefinition(Name)]
public sealed class GrpcServerCollection : ICollectionFixture<GrpcServerFixture>
{
    public const string Name = "gRPC server";
}

using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Perms.Cluster;
using Perms.Gateway.Routing;
using Perms.Grpc;
using Perms.UnitTests.Cluster;
using Perms.UnitTests.Grains;

namespace Perms.UnitTests.Gateway.Routing;

/// <summary>Where the router sends a user's calls: the owner, or while the owner is suspected the silo that takes it over.</summary>
public sealed class ClusterRouterTests : IAsyncDisposable
{
    private static readonly TimeSpan SuspectDuration = TimeSpan.FromSeconds(10);
    private static readonly SiloAddress A = SiloAddress.Parse("silo-a.perms:50051");
    private static readonly SiloAddress B = SiloAddress.Parse("silo-b.perms:50051");
    private static readonly SiloAddress C = SiloAddress.Parse("silo-c.perms:50051");

    private readonly ManualTimeProvider _time = new();
    private readonly FakeMembershipProvider _membership = new("silo-a.perms:50051", "silo-b.perms:50051", "silo-c.perms:50051");
    private readonly ClusterRouter _router;

    public ClusterRouterTests()
    {
        _router = new ClusterRouter(
            _membership,
            self: null,
            new ClusterAuthenticator([new string('t', 32)]),
            SuspectDuration,
            _time,
            new RoutingMetrics(null),
            NullLogger<ClusterRouter>.Instance);
    }

    public ValueTask DisposeAsync() => _router.DisposeAsync();

    private static IEnumerable<string> Users(int count) =>
        Enumerable.Range(0, count).Select(i => "user-" + i.ToString(CultureInfo.InvariantCulture));

    private string UserOwnedBy(SiloAddress silo) => Users(1_000).First(u => RendezvousPlacement.OwnerOf(u, _membership.Current) == silo);

    private static Exception Refused() => new HttpRequestException("Connection refused");

    [Fact]
    public void Every_user_goes_to_its_owner()
    {
        var targets = new HashSet<SiloAddress>();
        foreach (var user in Users(300))
        {
            var route = _router.Route(user);

            Assert.Equal(RendezvousPlacement.OwnerOf(user, _membership.Current), route.Target);
            Assert.True(route.IsOwner);
            targets.Add(route.Target);
        }

        Assert.Equal(3, targets.Count);
    }

    [Fact]
    public void A_suspected_owners_users_go_to_the_silo_that_would_own_them_without_it()
    {
        _router.Suspect(B, Refused());

        var movedUsers = 0;
        foreach (var user in Users(300))
        {
            var owner = RendezvousPlacement.OwnerOf(user, _membership.Current);
            var route = _router.Route(user);
            if (owner == B)
            {
                movedUsers++;
                Assert.Equal(RendezvousPlacement.OwnerOf(user, _membership.Current, new HashSet<SiloAddress> { B }), route.Target);
                Assert.NotEqual(B, route.Target);
                Assert.False(route.IsOwner);
            }
            else
            {
                Assert.Equal(new SiloRoute(owner, IsOwner: true), route);
            }
        }

        Assert.True(movedUsers > 0);
        Assert.True(_router.IsSuspected(B));
        Assert.False(_router.IsSuspected(A));
    }

    [Fact]
    public void With_two_silos_suspected_a_user_goes_to_the_third()
    {
        var user = UserOwnedBy(A);
        _router.Suspect(A, Refused());
        _router.Suspect(B, Refused());

        Assert.Equal(new SiloRoute(C, IsOwner: false), _router.Route(user));
    }

    [Fact]
    public void With_every_silo_suspected_a_user_goes_to_its_owner()
    {
        var user = UserOwnedBy(C);
        _router.Suspect(A, Refused());
        _router.Suspect(B, Refused());
        _router.Suspect(C, Refused());

        Assert.Equal(new SiloRoute(C, IsOwner: true), _router.Route(user));
    }

    [Fact]
    public void A_suspicion_ends_after_the_suspect_duration()
    {
        var user = UserOwnedBy(A);
        _router.Suspect(A, Refused());

        _time.Advance(SuspectDuration - TimeSpan.FromTicks(1));
        var during = _router.Route(user);
        _time.Advance(TimeSpan.FromTicks(1));
        var after = _router.Route(user);

        Assert.False(during.IsOwner);
        Assert.NotEqual(A, during.Target);
        Assert.Equal(new SiloRoute(A, IsOwner: true), after);
        Assert.False(_router.IsSuspected(A));
    }

    [Fact]
    public void A_new_failure_suspects_the_silo_for_a_full_period_from_then()
    {
        var user = UserOwnedBy(A);
        _router.Suspect(A, Refused());
        _time.Advance(SuspectDuration / 2);
        _router.Suspect(A, Refused());

        _time.Advance(SuspectDuration - TimeSpan.FromTicks(1));
        var during = _router.Route(user);
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.False(during.IsOwner);
        Assert.True(_router.Route(user).IsOwner);
    }

    [Fact]
    public void A_silo_that_left_the_view_is_no_longer_suspected_when_it_comes_back()
    {
        var user = UserOwnedBy(A);
        _router.Suspect(A, Refused());

        _membership.Change("silo-b.perms:50051", "silo-c.perms:50051");
        var whileAway = _router.Route(user);
        var suspectedWhileAway = _router.IsSuspected(A);
        _membership.Change("silo-a.perms:50051", "silo-b.perms:50051", "silo-c.perms:50051");

        // Well within the suspicion period: only the view change can have ended it.
        Assert.False(suspectedWhileAway);
        Assert.True(whileAway.IsOwner);
        Assert.NotEqual(A, whileAway.Target);
        Assert.Equal(new SiloRoute(A, IsOwner: true), _router.Route(user));
    }

    [Fact]
    public void Routing_follows_the_current_view()
    {
        var user = UserOwnedBy(A);

        _membership.Change("silo-b.perms:50051", "silo-c.perms:50051", "silo-d.perms:50051");

        Assert.Equal(new SiloRoute(RendezvousPlacement.OwnerOf(user, _membership.Current), IsOwner: true), _router.Route(user));
        Assert.Same(_membership.Current, _router.View);
    }

    [Fact]
    public void An_empty_view_is_UNAVAILABLE()
    {
        _membership.Change();

        var error = Assert.Throws<GrpcStatusException>(() => _router.Route("user-1"));

        Assert.Equal(GrpcStatusCode.Unavailable, error.Code);
        Assert.Contains("no silo is live", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_an_unreachable_silo_is_a_transport_failure()
    {
        Assert.True(ClusterRouter.IsTransportFailure(new GrpcStatusException(GrpcStatusCode.Unavailable, "refused", null, new HttpRequestException("Connection refused"))));
        Assert.True(ClusterRouter.IsTransportFailure(new GrpcStatusException(GrpcStatusCode.Unavailable, "reset", null, new IOException("reset by peer"))));
        Assert.True(ClusterRouter.IsTransportFailure(new GrpcStatusException(GrpcStatusCode.Unavailable, "cut", null, new EndOfStreamException())));
        Assert.True(ClusterRouter.IsTransportFailure(new GrpcStatusException(GrpcStatusCode.Unavailable, "connect timed out", null, new TimeoutException())));

        // A status the silo answered (its database is down: marked by the silo), or another code, is not retried.
        KeyValuePair<string, string>[] answered = [new(ClusterRouter.AnsweredByHeader, "silo")];
        Assert.False(ClusterRouter.IsTransportFailure(new GrpcStatusException(GrpcStatusCode.Unavailable, "the database is unavailable", answered)));
        Assert.False(ClusterRouter.IsTransportFailure(new GrpcStatusException(GrpcStatusCode.Unavailable, "odd", answered, new InvalidOperationException())));

        // UNAVAILABLE no silo answered: a proxy (mesh sidecar) in front of a silo it cannot reach.
        Assert.True(ClusterRouter.IsTransportFailure(new GrpcStatusException(GrpcStatusCode.Unavailable, "upstream connect error")));
        Assert.False(ClusterRouter.IsTransportFailure(new GrpcStatusException(GrpcStatusCode.Internal, "refused", null, new HttpRequestException("Connection refused"))));
        Assert.False(ClusterRouter.IsTransportFailure(new GrpcStatusException(GrpcStatusCode.DeadlineExceeded, "late", null, new IOException())));
    }

    [Theory]
    [InlineData(GrpcStatusCode.Unauthenticated)]
    [InlineData(GrpcStatusCode.PermissionDenied)]
    [InlineData(GrpcStatusCode.Unimplemented)]
    public void A_refused_internal_call_reaches_the_caller_as_INTERNAL_not_as_its_own_credentials(GrpcStatusCode refused)
    {
        var status = ClusterRouter.ForCaller(new GrpcStatusException(refused, "missing or invalid cluster credentials"), SiloAddress.Parse("silo-a:50051"));

        Assert.Equal(GrpcStatusCode.Internal, status.Code);
        Assert.Contains("silo-a:50051", status.Detail, StringComparison.Ordinal);
        Assert.Contains("Perms:Cluster:Token", status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GrpcStatusCode.Unavailable)]
    [InlineData(GrpcStatusCode.FailedPrecondition)]
    [InlineData(GrpcStatusCode.InvalidArgument)]
    public void A_silos_own_answer_reaches_the_caller_as_it_is(GrpcStatusCode answered)
    {
        var original = new GrpcStatusException(answered, "the silo's words");

        Assert.Same(original, ClusterRouter.ForCaller(original, SiloAddress.Parse("silo-a:50051")));
    }

    [Fact]
    public void Internal_calls_go_to_the_silo_service()
    {
        Assert.Equal("/perms.internal.v1.SiloService/CheckPermissions", ClusterRouter.InternalPath("CheckPermissions"));
    }

    [Fact]
    public async Task Disposing_stops_following_the_view()
    {
        var membership = new FakeMembershipProvider("silo-a.perms:50051");
        var router = new ClusterRouter(membership, A, new ClusterAuthenticator([new string('t', 32)]), SuspectDuration, _time, new RoutingMetrics(null), NullLogger<ClusterRouter>.Instance);
        var subscribed = membership.Subscribers;

        await router.DisposeAsync();

        Assert.Equal(A, router.Self);
        Assert.Equal(1, subscribed);
        Assert.Equal(0, membership.Subscribers);
    }
}

using System.Collections.Immutable;
using Perms.Grains.Interfaces.Admin;
using Perms.Silo.Configuration;
using Perms.Silo.Grains;

namespace Perms.Silo.Admin;

/// <summary>
/// The admin API's operations over Orleans: a user is reached through its grain wherever it is; everything that needs
/// each silo's own activations (organizations, flush, the listing) goes to every active silo's <see cref="ISiloCacheControl"/>
/// and adds up their answers.
/// </summary>
internal sealed class SiloAdministration(
    IClusterMembershipService membership,
    ILocalSiloDetails self,
    SiloCacheControlClient silos,
    GrainReferences grains,
    Microsoft.Extensions.Options.IOptions<OrleansSiloOptions> options,
    LoadedPolicyInfo policy) : ISiloAdministration
{
    public LoadedPolicyInfo Policy { get; } = policy;

    public async ValueTask<IReadOnlyList<ActivationSummary>> ListActivationsAsync(int sampleSize)
    {
        var answers = await Task.WhenAll(ActiveSilos().Select(s => silos.On(s).ListActivationsAsync(sampleSize))).ConfigureAwait(false);
        return
        [
            .. answers.SelectMany(a => a).GroupBy(a => a.GrainType, StringComparer.Ordinal).Select(g => new ActivationSummary(
                g.Key,
                g.Sum(a => a.Count),
                g.Sum(a => a.EstimatedBytes),
                [.. g.SelectMany(a => a.SampleKeys).Take(sampleSize)])),
        ];
    }

    public async ValueTask<bool> DeactivateUserAsync(string userId)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return await grains.User(userId).DeactivateAsync().ConfigureAwait(false);
    }

    public async ValueTask<OrganizationDeactivation> DeactivateOrganizationAsync(string organizationId)
    {
        ArgumentNullException.ThrowIfNull(organizationId);
        var answers = await Task.WhenAll(ActiveSilos().Select(s => silos.On(s).DeactivateOrganizationAsync(organizationId))).ConfigureAwait(false);
        return new OrganizationDeactivation(answers.Any(a => a.OrganizationDeactivated), answers.Sum(a => a.UsersDeactivated));
    }

    public async ValueTask<FlushResult> FlushAllAsync()
    {
        var answers = await Task.WhenAll(ActiveSilos().Select(s => silos.On(s).FlushAllAsync())).ConfigureAwait(false);
        return new FlushResult(answers.Sum(a => a.UsersDeactivated), answers.Sum(a => a.OrganizationsDeactivated));
    }

    public ClusterMembers GetCluster()
    {
        var snapshot = membership.CurrentSnapshot;
        var members = snapshot.Members.Values
            .Where(m => m.Status != SiloStatus.Dead && m.Status != SiloStatus.None)
            .OrderBy(m => Format(m.SiloAddress), StringComparer.Ordinal)
            .Select(m => new MemberSilo(Format(m.SiloAddress), m.Name ?? "", m.Status == SiloStatus.Active, m.SiloAddress.Equals(self.SiloAddress)))
            .ToImmutableArray();
        return new ClusterMembers(options.Value.Clustering.ToLowerInvariant(), snapshot.Version.Value, Format(self.SiloAddress), members);
    }

    // host:port@generation: what operators read in logs and Orleans' membership table.
    private static string Format(Orleans.Runtime.SiloAddress silo) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{silo.Endpoint.Address}:{silo.Endpoint.Port}@{silo.Generation}");

    private IEnumerable<Orleans.Runtime.SiloAddress> ActiveSilos() =>
        membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);
}

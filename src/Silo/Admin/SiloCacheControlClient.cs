using Orleans.Runtime.Services;

using Perms.Grains.Interfaces.Admin;

namespace Perms.Silo.Admin;

/// <summary>Reaches the <see cref="ISiloCacheControl"/> of a given silo.</summary>
/// <param name="services">The silo's services.</param>
internal sealed class SiloCacheControlClient(IServiceProvider services) : GrainServiceClient<ISiloCacheControl>(services)
{
    public ISiloCacheControl On(Orleans.Runtime.SiloAddress silo) => GetGrainService(silo);
}

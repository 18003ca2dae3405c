using System.Net;

namespace Perms.Cluster;

/// <summary>
/// Resolves a host name to its addresses; <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> in
/// production, a fake in tests.
/// </summary>
public delegate Task<IPAddress[]> HostAddressResolver(string hostName, CancellationToken cancellationToken);

using System.Net;

namespace Perms.Gateway.Hosting;

/// <summary>A TCP port the process will listen on, with the configuration key that chose it.</summary>
/// <param name="Key">The configuration key, e.g. <c>Perms:Server:Port</c>.</param>
/// <param name="Address">The address it binds (<see cref="IPAddress.Any"/> for every interface).</param>
/// <param name="Port">The port.</param>
public sealed record PortClaim(string Key, IPAddress Address, int Port);

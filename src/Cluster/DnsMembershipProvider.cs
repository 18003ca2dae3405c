using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Perms.Cluster;

/// <summary>
/// Membership by DNS: every address a name resolves to (e.g. a Kubernetes headless Service, one A record per ready
/// pod) is a live silo on <see cref="DnsMembershipOptions.Port"/>. The name is resolved again every
/// <see cref="DnsMembershipOptions.RefreshInterval"/>; a failed or empty resolution keeps the last good view.
/// </summary>
public sealed class DnsMembershipProvider : IMembershipProvider
{
    private readonly DnsMembershipOptions _options;
    private readonly ILogger _logger;
    private readonly ViewHolder _view;
    private readonly TimeProvider _timeProvider;
    private readonly HostAddressResolver _resolver;
    private RefreshLoop? _loop;

    /// <summary>Creates the provider; <see cref="StartAsync"/> starts it.</summary>
    /// <param name="options">The name, port and interval; copied, and validated by <see cref="DnsMembershipOptionsValidator"/>.</param>
    /// <param name="logger">Where resolution failures and view changes are logged.</param>
    /// <param name="timeProvider">The clock of the refresh timer; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="resolver">The resolver; <see cref="Dns.GetHostAddressesAsync(string, CancellationToken)"/> when null.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message lists every problem.</exception>
    public DnsMembershipProvider(
        DnsMembershipOptions options,
        ILogger<DnsMembershipProvider> logger,
        TimeProvider? timeProvider = null,
        HostAddressResolver? resolver = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var result = new DnsMembershipOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(DnsMembershipOptions), result.Failures);
        }

        _options = new DnsMembershipOptions
        {
            HostName = options.HostName,
            Port = options.Port,
            RefreshInterval = options.RefreshInterval,
        };
        _logger = logger;
        _view = new ViewHolder(logger);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _resolver = resolver ?? Dns.GetHostAddressesAsync;
    }

    /// <inheritdoc/>
    public ClusterView Current => _view.Current;

    /// <inheritdoc/>
    public event EventHandler<ClusterView>? Changed;

    /// <inheritdoc/>
    /// <remarks>
    /// A failed first resolution does not throw: a silo's own pod is not in its headless Service until it is ready, so
    /// the view stays <see cref="ClusterView.Empty"/> (and the failure is logged) until a later refresh succeeds.
    /// </remarks>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("The DNS membership provider is already started.");
        }

        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _loop = new RefreshLoop(_options.RefreshInterval, _timeProvider, RefreshAsync, _logger);
    }

    /// <summary>
    /// Resolves the name now and swaps in a new view (raising <see cref="Changed"/>) if the set of silos changed.
    /// The timer calls this every interval; tests call it directly.
    /// </summary>
    /// <returns>True when the view changed.</returns>
    public Task<bool> RefreshAsync(CancellationToken cancellationToken) =>
        _view.RefreshAsync(ResolveAsync, view => Changed?.Invoke(this, view), cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_loop is not null)
        {
            await _loop.DisposeAsync().ConfigureAwait(false);
            _loop = null;
        }
    }

    private async Task<IEnumerable<SiloAddress>?> ResolveAsync(ClusterView current, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await _resolver(_options.HostName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.DnsResolutionFailed(exception, _options.HostName, current);
            return null;
        }

        if (addresses.Length == 0)
        {
            // No silo at all cannot be the truth while this silo runs; treat it as a resolution failure.
            _logger.DnsResolvedNothing(_options.HostName, current);
            return null;
        }

        return addresses.Select(ToSilo);
    }

    private SiloAddress ToSilo(IPAddress address)
    {
        // A peer is reached by its plain address: an IPv4-mapped one is the IPv4 address, and an IPv6 scope id
        // (fe80::1%eth0) names this host's interface, which means nothing to the other silos.
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : new IPAddress(address.GetAddressBytes());
        return new SiloAddress(plain.ToString(), _options.Port);
    }
}

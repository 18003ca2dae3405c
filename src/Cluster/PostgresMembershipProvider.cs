using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Perms.Cluster;

/// <summary>
/// Membership by a PostgreSQL table, <c>{schema}.silo_membership(address, heartbeat, started_at)</c>: every
/// <see cref="PostgresMembershipOptions.HeartbeatInterval"/> this silo upserts its heartbeat and reads the silos whose
/// heartbeat is newer than <c>now() - suspicion timeout</c>. Both times are the database's, so the silos' clocks need
/// not agree. Disposing deletes this silo's row, so a graceful stop leaves the view at once.
/// </summary>
public sealed class PostgresMembershipProvider : IMembershipProvider
{
    private readonly PostgresMembershipOptions _options;
    private readonly SiloAddress? _self;
    private readonly string _table;
    private readonly ILogger _logger;
    private readonly ViewHolder _view;
    private readonly TimeProvider _timeProvider;
    private readonly NpgsqlDataSource _dataSource;
    private RefreshLoop? _loop;
    private bool _started;
    private int _disposed;

    /// <summary>Creates the provider; <see cref="StartAsync"/> creates the table if needed and joins.</summary>
    /// <param name="options">Copied, and validated by <see cref="PostgresMembershipOptionsValidator"/>.</param>
    /// <param name="logger">Where heartbeat failures and view changes are logged.</param>
    /// <param name="timeProvider">The clock of the heartbeat timer only; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="OptionsValidationException">The options are invalid; the message lists every problem.</exception>
    public PostgresMembershipProvider(
        PostgresMembershipOptions options,
        ILogger<PostgresMembershipProvider> logger,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var result = new PostgresMembershipOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(PostgresMembershipOptions), result.Failures);
        }

        _options = new PostgresMembershipOptions
        {
            ConnectionString = options.ConnectionString,
            Schema = options.Schema,
            Self = options.Self,
            ObserveOnly = options.ObserveOnly,
            HeartbeatInterval = options.HeartbeatInterval,
            SuspicionTimeout = options.SuspicionTimeout,
        };
        _self = options.ObserveOnly ? null : options.Self!;

        // The schema is validated as a plain lower-case identifier, so quoting it is enough to keep it an identifier.
        _table = $"\"{_options.Schema}\".silo_membership";
        _logger = logger;
        _view = new ViewHolder(logger);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _dataSource = NpgsqlDataSource.Create(options.ConnectionString);
    }

    /// <inheritdoc/>
    public ClusterView Current => _view.Current;

    /// <inheritdoc/>
    public event EventHandler<ClusterView>? Changed;

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The role may not create the schema or table; the message says what to grant.</exception>
    /// <exception cref="NpgsqlException">The database cannot be reached.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_started)
        {
            throw new InvalidOperationException("The PostgreSQL membership provider is already started.");
        }

        _started = true;
        if (_self is null)
        {
            // An observer never writes: a failed first read is logged and leaves the view empty until the next one.
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
            _loop = new RefreshLoop(_options.HeartbeatInterval, _timeProvider, RefreshAsync, _logger);
            return;
        }

        await CreateTableAsync(cancellationToken).ConfigureAwait(false);

        // Joining resets started_at: a silo restarted on the same address is a new incarnation.
        await using (var join = _dataSource.CreateCommand(
            $"INSERT INTO {_table} (address, heartbeat, started_at) VALUES ($1, now(), now()) " +
            "ON CONFLICT (address) DO UPDATE SET heartbeat = excluded.heartbeat, started_at = excluded.started_at"))
        {
            join.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _self.ToString() });
            await join.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        _loop = new RefreshLoop(_options.HeartbeatInterval, _timeProvider, RefreshAsync, _logger);
    }

    /// <summary>
    /// Writes this silo's heartbeat, reads the live silos and swaps in a new view (raising <see cref="Changed"/>) if
    /// the set changed. A database failure is logged and keeps the last good view. The timer calls this every
    /// interval; tests call it directly.
    /// </summary>
    /// <returns>True when the view changed.</returns>
    public Task<bool> RefreshAsync(CancellationToken cancellationToken) =>
        _view.RefreshAsync(TryHeartbeatAsync, view => Changed?.Invoke(this, view), cancellationToken);

    private async Task<IEnumerable<SiloAddress>?> TryHeartbeatAsync(ClusterView current, CancellationToken cancellationToken)
    {
        try
        {
            return await HeartbeatAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException ||
            (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _logger.HeartbeatFailed(exception, _self?.ToString() ?? "an observer", current);
            return null;
        }
    }

    /// <summary>Stops heartbeating and deletes this silo's row (best effort), so the others drop it at once.</summary>
    public async ValueTask DisposeAsync()
    {
        // Idempotent: the host leaves the cluster at the start of shutdown and the container disposes it again.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_loop is not null)
        {
            await _loop.DisposeAsync().ConfigureAwait(false);
            _loop = null;
        }

        if (_self is not null && _started)
        {
            try
            {
                await using var leave = _dataSource.CreateCommand($"DELETE FROM {_table} WHERE address = $1");
                leave.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _self.ToString() });
                await leave.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch (NpgsqlException exception)
            {
                // The others still drop this silo after the suspicion timeout.
                _logger.HeartbeatFailed(exception, _self.ToString(), Current);
            }
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
    }

    private async Task CreateTableAsync(CancellationToken cancellationToken)
    {
        // Checked first because CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists:
        // a least-privilege role must be able to use a table an owner created for it.
        await using (var exists = _dataSource.CreateCommand($"SELECT to_regclass('{_table}') IS NOT NULL"))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                return;
            }
        }

        // Silos starting together would race: concurrent CREATE … IF NOT EXISTS can fail on PostgreSQL's catalog
        // (23505 on pg_namespace). One transaction-scoped advisory lock per table serialises them; it needs no privilege.
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = connection.CreateCommand())
        {
            create.Transaction = transaction;
            create.CommandText =
                $"SELECT pg_advisory_xact_lock(hashtext('{_table}')); " +
                $"CREATE SCHEMA IF NOT EXISTS \"{_options.Schema}\"; " +
                $"CREATE TABLE IF NOT EXISTS {_table} (address text PRIMARY KEY, heartbeat timestamptz NOT NULL, started_at timestamptz NOT NULL)";
            try
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                throw new InvalidOperationException(
                    $"The membership table {_table} cannot be created: {exception.MessageText}. Create it once as an owner " +
                    $"(CREATE SCHEMA {_options.Schema}; CREATE TABLE {_table} (address text PRIMARY KEY, heartbeat timestamptz NOT NULL, " +
                    "started_at timestamptz NOT NULL)) and grant SELECT, INSERT, UPDATE, DELETE on it to Perms' role, " +
                    "or grant that role CREATE on the database.",
                    exception);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<SiloAddress>> HeartbeatAsync(CancellationToken cancellationToken)
    {
        // One round trip: the heartbeat (not an observer's), then the live silos by the same database clock.
        await using var batch = _dataSource.CreateBatch();
        if (_self is not null)
        {
            var beat = new NpgsqlBatchCommand(
                $"INSERT INTO {_table} (address, heartbeat, started_at) VALUES ($1, now(), now()) " +
                "ON CONFLICT (address) DO UPDATE SET heartbeat = excluded.heartbeat");
            beat.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _self.ToString() });
            batch.BatchCommands.Add(beat);
        }

        var read = new NpgsqlBatchCommand($"SELECT address FROM {_table} WHERE heartbeat > now() - $1");
        read.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = _options.EffectiveSuspicionTimeout });
        batch.BatchCommands.Add(read);

        var live = new List<SiloAddress>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // A row written by hand or by a newer version may not parse; skipping it beats losing the whole view.
            if (SiloAddress.TryParse(reader.GetString(0), out var silo))
            {
                live.Add(silo);
            }
        }

        return live;
    }
}

using Microsoft.Extensions.Options;
using Perms.Gateway.Auth;
using Perms.Grpc;

namespace Perms.Gateway.Admin;

/// <summary>
/// Checks the <c>authorization: Bearer …</c> metadata of admin calls against the admin token set
/// (<c>Perms:Admin:TokensPath</c>), re-read periodically like the callers'. Not configured: every call is refused with
/// PERMISSION_DENIED saying how to enable the API. A token that also authenticates a caller is refused, whatever a
/// reload of either set brought.
/// </summary>
public sealed partial class AdminAuthenticator : IDisposable
{
    /// <summary>The message of every admin call while the API is off.</summary>
    public const string DisabledMessage = "the admin API is off on this process: set Perms:Admin:TokensPath (Perms__Admin__TokensPath) to a directory or file of admin tokens (the format of Perms:Auth:TokensPath, other tokens) and restart";

    private readonly AdminAuthenticationOptions _options;
    private readonly CallerAuthenticator? _callers;
    private readonly ILogger<AdminAuthenticator> _logger;
    private readonly ITimer? _reload;
    private volatile CallerTokenSet? _tokens;
    private volatile bool _revoked;

    /// <summary>Loads the tokens (when configured) and starts the reload timer.</summary>
    /// <param name="options">The options.</param>
    /// <param name="callers">The callers' authenticator: a token it accepts is never an admin token; null for none.</param>
    /// <param name="time">The reload timer's clock.</param>
    /// <param name="logger">Where loads and failed reloads are logged.</param>
    /// <exception cref="InvalidDataException">The tokens cannot be loaded at start-up.</exception>
    public AdminAuthenticator(IOptions<AdminAuthenticationOptions> options, CallerAuthenticator? callers, TimeProvider time, ILogger<AdminAuthenticator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options.Value;
        _callers = callers;
        _logger = logger;
        if (_options.TokensPath is not { Length: > 0 } path)
        {
            LogDisabled();
            return;
        }

        _tokens = CallerTokenSet.Load(path, _options.MinimumTokenLength);
        LogLoaded(_tokens.Services.Count(), path);
        _reload = time.CreateTimer(static state => ((AdminAuthenticator)state!).Reload(), this, _options.ReloadInterval, _options.ReloadInterval);
    }

    /// <summary>Whether admin tokens are configured.</summary>
    public bool IsEnabled => _tokens is not null;

    /// <summary>The admin named by <paramref name="authorization"/> (the header's value).</summary>
    /// <exception cref="GrpcStatusException">
    /// PERMISSION_DENIED: the API is off, or the token is also a caller token; UNAUTHENTICATED: no token, or an unknown one.
    /// </exception>
    public string Authenticate(string? authorization)
    {
        if (_tokens is not { } tokens)
        {
            throw new GrpcStatusException(GrpcStatusCode.PermissionDenied, DisabledMessage);
        }

        const string Scheme = "Bearer ";
        if (_revoked || authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ||
            tokens.Authenticate(authorization.AsSpan(Scheme.Length).Trim()) is not { } admin)
        {
            throw new GrpcStatusException(GrpcStatusCode.Unauthenticated, "missing or invalid admin credentials (a token from Perms:Admin:TokensPath; caller tokens are not admin tokens)");
        }

        if (_callers is { IsDevelopmentMode: false } && _callers.Authenticate(authorization) is not null)
        {
            throw new GrpcStatusException(GrpcStatusCode.PermissionDenied, "this token is also a caller token (Perms:Auth:TokensPath); an admin token must be in the admin set only");
        }

        return admin;
    }

    /// <summary>Re-reads the tokens now (the timer calls this).</summary>
    public void Reload()
    {
        var path = _options.TokensPath!;
        try
        {
            _tokens = CallerTokenSet.Load(path, _options.MinimumTokenLength);
            if (_revoked)
            {
                _revoked = false;
                LogRestored(path);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // Removing the tokens is how an operator revokes a leaked one: no file, or a file without tokens, refuses
            // every admin call. Only a file that is there but unreadable or malformed keeps the previous tokens.
            if (!File.Exists(path) && !Directory.Exists(path) || e.Message.EndsWith(": no tokens", StringComparison.Ordinal))
            {
                if (!_revoked)
                {
                    _revoked = true;
                    LogRevoked(path);
                }

                return;
            }

            LogReloadFailed(e.Message);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reload?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "The admin API is off (Perms:Admin:TokensPath is not set): admin calls answer PERMISSION_DENIED")]
    private partial void LogDisabled();

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded admin tokens of {Count} names from {Path}")]
    private partial void LogLoaded(int count, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The admin tokens at {Path} are gone: every admin call is refused until tokens are back")]
    private partial void LogRevoked(string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin tokens are back at {Path}")]
    private partial void LogRestored(string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reloading admin tokens failed; the previous tokens stay in force: {Reason}")]
    private partial void LogReloadFailed(string reason);
}

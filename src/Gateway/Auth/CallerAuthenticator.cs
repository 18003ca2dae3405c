using Microsoft.Extensions.Options;

namespace Perms.Gateway.Auth;

/// <summary>
/// Checks the <c>authorization: Bearer …</c> metadata of public API calls against the current token set, and re-reads
/// the tokens periodically so a rotated Secret takes effect without a restart. A reload that fails keeps the last
/// good set and logs why.
/// </summary>
public sealed partial class CallerAuthenticator : IDisposable
{
    private readonly CallerAuthenticationOptions _options;
    private readonly ILogger<CallerAuthenticator> _logger;
    private readonly ITimer? _reload;
    private volatile CallerTokenSet? _tokens;

    /// <summary>Loads the tokens (in <c>Tokens</c> mode) and starts the reload timer.</summary>
    /// <exception cref="InvalidDataException">The tokens cannot be loaded at start-up.</exception>
    public CallerAuthenticator(IOptions<CallerAuthenticationOptions> options, TimeProvider time, ILogger<CallerAuthenticator> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (_options.Mode == CallerAuthenticationMode.Development)
        {
            LogDevelopmentMode();
            return;
        }

        _tokens = CallerTokenSet.Load(_options.TokensPath!, _options.MinimumTokenLength);
        LogLoaded(_tokens.Services.Count(), _options.TokensPath!);
        _reload = time.CreateTimer(static state => ((CallerAuthenticator)state!).Reload(), this, _options.ReloadInterval, _options.ReloadInterval);
    }

    /// <summary>Whether calls are let through without credentials.</summary>
    public bool IsDevelopmentMode => _options.Mode == CallerAuthenticationMode.Development;

    /// <summary>The calling service named by <paramref name="authorization"/> (the header's value), or null when it is missing or wrong.</summary>
    public string? Authenticate(string? authorization)
    {
        if (IsDevelopmentMode)
        {
            return "development";
        }

        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return _tokens!.Authenticate(authorization.AsSpan(Scheme.Length).Trim());
    }

    /// <summary>Re-reads the tokens now (the timer calls this).</summary>
    public void Reload()
    {
        try
        {
            _tokens = CallerTokenSet.Load(_options.TokensPath!, _options.MinimumTokenLength);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            LogReloadFailed(e.Message);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reload?.Dispose();

    [LoggerMessage(Level = LogLevel.Critical, Message = "AUTHENTICATION IS OFF (Perms:Auth:Mode = Development): any caller on the network can ask any permission question. Never run this way outside a developer's machine.")]
    private partial void LogDevelopmentMode();

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded caller tokens of {Count} services from {Path}")]
    private partial void LogLoaded(int count, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reloading caller tokens failed; the previous tokens stay in force: {Reason}")]
    private partial void LogReloadFailed(string reason);
}

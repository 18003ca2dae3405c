using Microsoft.Extensions.Options;

namespace Perms.Silo.Events;

/// <summary>Validates <see cref="EventOptions"/>: every failure at once, each naming the key and how to fix it.</summary>
internal sealed class EventOptionsValidator : IValidateOptions<EventOptions>
{
    public ValidateOptionsResult Validate(string? name, EventOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        const string S = EventOptions.SectionName;
        var errors = new List<string>();
        var urls = (options.Url ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (urls.Length == 0)
        {
            errors.Add($"{S}:Url is empty; give nats://host:port (several separated by commas), or set {S}:Enabled=false");
        }

        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls") || uri.Host.Length == 0)
            {
                errors.Add($"{S}:Url has '{EventOptions.Redact(url)}'; give nats://host:port or tls://host:port");
            }
        }

        var prefix = options.SubjectPrefix ?? "";
        if (prefix.Length > 0 && (!prefix.EndsWith('.') || prefix.StartsWith('.') || prefix.Contains("..", StringComparison.Ordinal)
            || prefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '*' or '>')))
        {
            errors.Add($"{S}:SubjectPrefix is '{prefix}'; give subject tokens ending with a dot, e.g. 'myapp.', without spaces or wildcards");
        }

        if ((options.Token is not null || options.TokenFile is not null) && (options.User is not null || options.Password is not null || options.PasswordFile is not null))
        {
            errors.Add($"{S}: give either a token ({S}:Token or {S}:TokenFile) or a user and password, not both");
        }

        if (options.Token is not null && options.TokenFile is not null)
        {
            errors.Add($"{S}:Token and {S}:TokenFile are both set; keep one");
        }

        if (options.Password is not null && options.PasswordFile is not null)
        {
            errors.Add($"{S}:Password and {S}:PasswordFile are both set; keep one");
        }

        if ((options.Password is not null || options.PasswordFile is not null) && string.IsNullOrEmpty(options.User))
        {
            errors.Add($"{S}:User is not set but a password is; set {S}:User");
        }

        foreach (var (key, path) in new[] { ("TokenFile", options.TokenFile), ("PasswordFile", options.PasswordFile), ("TlsCaFile", options.TlsCaFile), ("TlsCertFile", options.TlsCertFile), ("TlsKeyFile", options.TlsKeyFile) })
        {
            if (path is not null && !File.Exists(path))
            {
                errors.Add($"{S}:{key} is '{path}', which does not exist; give the path of a readable file");
            }
        }

        if ((options.TlsCertFile is null) != (options.TlsKeyFile is null))
        {
            errors.Add($"{S}:TlsCertFile and {S}:TlsKeyFile go together; set both or neither");
        }

        void Range(string key, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                errors.Add($"{S}:{key} is {value}; give a value between {min} and {max}");
            }
        }

        Range(nameof(options.PingInterval), options.PingInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Range(nameof(options.ReconnectWaitMax), options.ReconnectWaitMax, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5));
        Range(nameof(options.DrainTimeout), options.DrainTimeout, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        if (options.QueueCapacity is < 16 or > 10_000_000)
        {
            errors.Add($"{S}:QueueCapacity is {options.QueueCapacity}; give a value between 16 and 10000000");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

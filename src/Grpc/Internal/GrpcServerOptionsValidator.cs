using Microsoft.Extensions.Options;

namespace Perms.Grpc.Internal;

/// <summary>Checks <see cref="GrpcServerOptions"/> at start-up and names every bad value at once.</summary>
internal sealed class GrpcServerOptionsValidator : IValidateOptions<GrpcServerOptions>
{
    public ValidateOptionsResult Validate(string? name, GrpcServerOptions options)
    {
        List<string>? failures = null;
        if (options.MaxReceiveMessageSize <= 0)
        {
            (failures ??= []).Add($"GrpcServerOptions.MaxReceiveMessageSize is {options.MaxReceiveMessageSize}; set it to a positive number of bytes (default {GrpcServerOptions.DefaultMaxMessageSize}).");
        }

        if (options.MaxSendMessageSize <= 0)
        {
            (failures ??= []).Add($"GrpcServerOptions.MaxSendMessageSize is {options.MaxSendMessageSize}; set it to a positive number of bytes (default {GrpcServerOptions.DefaultMaxMessageSize}).");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

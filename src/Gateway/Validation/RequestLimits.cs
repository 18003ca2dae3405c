namespace Perms.Gateway.Validation;

/// <summary>The documented bounds of a request (README, "The gRPC API").</summary>
public static class RequestLimits
{
    /// <summary>Longest user or organization id, in UTF-8 bytes.</summary>
    public const int MaxIdBytes = 255;

    /// <summary>Most resources in one check.</summary>
    public const int MaxResources = 32;

    /// <summary>Most actions on one resource.</summary>
    public const int MaxActionsPerResource = 32;

    /// <summary>Longest resource or action name, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 128;

    /// <summary>Most checks in one CheckPermissions call.</summary>
    public const int MaxBatchSize = 1000;
}

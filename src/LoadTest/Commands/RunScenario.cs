namespace Perms.LoadTest.Commands;

/// <summary>What <c>perms-loadtest run</c> measures.</summary>
internal enum RunScenario
{
    /// <summary>CheckPermission with cached reads over cases whose grains were activated first.</summary>
    Warm,

    /// <summary>CheckPermission with cached reads, user n at request n: each check activates (loads) a user grain.</summary>
    Cold,

    /// <summary>CheckPermissions with <c>--batch-size</c> checks per request, warm.</summary>
    Batch,

    /// <summary>Warm checks while roles change in PostgreSQL with events on NATS.</summary>
    Mix,

    /// <summary>CheckPermission with <c>fully_consistent</c>: PostgreSQL read on every call.</summary>
    FullyConsistent,

    /// <summary>CheckPermission with <c>at_least_as_fresh</c> = the send time, over warm cases.</summary>
    AtLeastAsFresh,
}

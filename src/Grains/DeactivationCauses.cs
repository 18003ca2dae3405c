using Perms.Grains.Caching;

namespace Perms.Grains;

/// <summary>Orleans' reasons for a deactivation, as the <c>cause</c> of the deactivation metric.</summary>
internal static class DeactivationCauses
{
    public static DeactivationCause Of(DeactivationReason reason) => reason.ReasonCode switch
    {
        DeactivationReasonCode.ActivationIdle => DeactivationCause.Idle,
        DeactivationReasonCode.HighMemoryPressure => DeactivationCause.Eviction,
        DeactivationReasonCode.ApplicationRequested => DeactivationCause.Explicit,
        _ => DeactivationCause.Shutdown,
    };
}

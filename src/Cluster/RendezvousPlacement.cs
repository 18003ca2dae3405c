using System.Buffers;
using System.Text;

namespace Perms.Cluster;

/// <summary>
/// Rendezvous (highest-random-weight) placement: the owner of a key is the silo with the highest weight
/// <c>w(silo, key)</c>. A view change moves only the keys of the silos that joined or left, and every process with
/// the same view picks the same owner: the weight is a fixed 64-bit hash of UTF-8 bytes, never a per-process one.
/// </summary>
public static class RendezvousPlacement
{
    // Keys up to this many UTF-8 bytes are encoded on the stack; longer ones borrow a pooled buffer.
    private const int StackLimit = 256;

    /// <summary>The silo of <paramref name="view"/> that owns <paramref name="key"/>.</summary>
    /// <param name="key">The grain key, e.g. a user id; any string, including empty.</param>
    /// <param name="view">The live silos.</param>
    /// <exception cref="InvalidOperationException">The view holds no silo.</exception>
    public static SiloAddress OwnerOf(string key, ClusterView view)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(view);
        var silos = view.Silos;
        if (silos.IsEmpty)
        {
            throw new InvalidOperationException(
                $"Cannot place key '{key}': cluster view {view} holds no live silo. Check the membership provider (its logs say why discovery found none).");
        }

        var keyHash = HashKey(key);
        var owner = silos[0];
        var best = Weight(owner, keyHash);
        for (var i = 1; i < silos.Length; i++)
        {
            var weight = Weight(silos[i], keyHash);

            // Strictly greater: on a tie the ordinally first silo wins, the same in every process.
            if (weight > best)
            {
                best = weight;
                owner = silos[i];
            }
        }

        return owner;
    }

    /// <summary>
    /// The silo of <paramref name="view"/> that owns <paramref name="key"/> once the <paramref name="excluded"/> silos
    /// have left: where a call goes when the owner is unreachable, and where the key moves if it is dead.
    /// </summary>
    /// <returns>The owner among the others, or null when every silo of the view is excluded (or the view is empty).</returns>
    public static SiloAddress? OwnerOf(string key, ClusterView view, IReadOnlySet<SiloAddress> excluded)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(excluded);
        var keyHash = HashKey(key);
        SiloAddress? owner = null;
        var best = 0UL;
        foreach (var silo in view.Silos)
        {
            if (excluded.Contains(silo))
            {
                continue;
            }

            var weight = Weight(silo, keyHash);
            if (owner is null || weight > best)
            {
                best = weight;
                owner = silo;
            }
        }

        return owner;
    }

    /// <summary>The weight of <paramref name="silo"/> for a key whose XXH64 is <paramref name="keyHash"/>.</summary>
    internal static ulong Weight(SiloAddress silo, ulong keyHash) => XxHash64.Mix(silo.PlacementHash ^ keyHash);

    /// <summary>XXH64 (seed 0) of the UTF-8 bytes of <paramref name="key"/>.</summary>
    internal static ulong HashKey(string key)
    {
        if (Encoding.UTF8.GetMaxByteCount(key.Length) <= StackLimit || Encoding.UTF8.GetByteCount(key) <= StackLimit)
        {
            Span<byte> buffer = stackalloc byte[StackLimit];
            var length = Encoding.UTF8.GetBytes(key, buffer);
            return XxHash64.Hash(buffer[..length]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetByteCount(key));
        try
        {
            var length = Encoding.UTF8.GetBytes(key, rented);
            return XxHash64.Hash(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

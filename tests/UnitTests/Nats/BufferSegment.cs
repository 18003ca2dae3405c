using System.Buffers;

namespace Perms.UnitTests.Nats;

/// <summary>A segment of a hand-made <see cref="ReadOnlySequence{T}"/>, to feed the parser bytes split anywhere.</summary>
public sealed class BufferSegment : ReadOnlySequenceSegment<byte>
{
    private BufferSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>The bytes as one sequence of segments cut at <paramref name="cuts"/> (ascending offsets).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        var offsets = cuts.Prepend(0).Append(bytes.Length).ToArray();
        var first = new BufferSegment(bytes.AsMemory(0, offsets[1]), 0);
        var last = first;
        for (var i = 1; i < offsets.Length - 1; i++)
        {
            var next = new BufferSegment(bytes.AsMemory(offsets[i], offsets[i + 1] - offsets[i]), offsets[i]);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}

namespace Perms.LoadTest.Truth;

/// <summary>
/// The checks a run sends, each with its expected answer: deterministic per sequence number, so every target of a
/// comparison gets the same requests.
/// </summary>
internal interface ICheckWorkload
{
    /// <summary>The case for request <paramref name="sequence"/>.</summary>
    CheckCase Get(long sequence);

    /// <summary>
    /// Whether <paramref name="allowed"/> is an acceptable answer for <paramref name="check"/> at this moment: the
    /// expected answer, or — while a change to that user or organization is inside the window the consistency
    /// contract allows — the answer before the change.
    /// </summary>
    bool IsAcceptable(CheckCase check, bool allowed);

    /// <summary>
    /// Like <see cref="IsAcceptable(CheckCase, bool)"/> for an answer that arrives now to a request sent at
    /// <paramref name="sentAt"/> (a <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>): an answer reflecting the
    /// state before a change is acceptable when the request was sent before the change's window ended, not only when it
    /// is answered before. <paramref name="freshRead"/>: the answer comes from a PostgreSQL read made during the call
    /// (<c>fully_consistent</c>), so the state before a change is acceptable only for requests sent before it committed.
    /// </summary>
    bool IsAcceptable(CheckCase check, bool allowed, long sentAt, bool freshRead) => IsAcceptable(check, allowed);
}

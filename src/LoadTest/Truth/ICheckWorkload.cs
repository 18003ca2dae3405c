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
}

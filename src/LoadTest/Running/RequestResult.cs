namespace Perms.LoadTest.Running;

/// <summary>The outcome of one request.</summary>
/// <param name="Outcome">Correct, wrong or error.</param>
/// <param name="Detail">For errors, a short stable label (e.g. <c>UNAVAILABLE</c>, <c>HTTP 500</c>, <c>timeout</c>); for wrong answers, what was expected; null when correct.</param>
internal readonly record struct RequestResult(RequestOutcome Outcome, string? Detail = null)
{
    /// <summary>A correct answer.</summary>
    public static RequestResult Correct => default;
}

namespace Perms.LoadTest.Comparison;

/// <summary>One of performance.md's targets, checked against a comparison run.</summary>
/// <param name="Metric">What is measured (e.g. <c>Perms warm throughput / empty-call floor</c>).</param>
/// <param name="Goal">The target as performance.md states it (e.g. <c>≥ 70%</c>).</param>
/// <param name="Value">The measured value, formatted; <c>n/a</c> when it could not be measured.</param>
/// <param name="Met">Whether the target is met; null when not measured (a target skipped or unanswered).</param>
internal sealed record PerformanceGoal(string Metric, string Goal, string Value, bool? Met)
{
    /// <summary><c>met</c>, <c>NOT met</c> or <c>not measured</c>.</summary>
    public string Verdict => Met switch
    {
        true => "met",
        false => "NOT met",
        null => "not measured",
    };
}

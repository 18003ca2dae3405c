namespace Perms.Grains.Policy;

/// <summary>One problem in a policy file.</summary>
/// <param name="Location">Where: a path such as <c>organization.roles.viewer.project[1]</c>, or <c>line 4, column 17</c>.</param>
/// <param name="Message">What is wrong and, where useful, how to fix it.</param>
public sealed record PolicyError(string Location, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Location}: {Message}";
}

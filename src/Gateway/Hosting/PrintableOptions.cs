namespace Perms.Gateway.Hosting;

/// <summary>An options type bound from a configuration section, listed by <c>--print-config</c>.</summary>
/// <param name="OptionsType">The options class.</param>
/// <param name="Name">The named-options name (empty for the default).</param>
/// <param name="Section">The configuration section it is bound from, e.g. <c>Perms:Server</c>.</param>
public sealed record PrintableOptions(Type OptionsType, string Name, string Section);

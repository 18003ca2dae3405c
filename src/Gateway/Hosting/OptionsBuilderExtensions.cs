using Microsoft.Extensions.Options;

namespace Perms.Gateway.Hosting;

/// <summary>Binding that also lists the options for <c>--print-config</c>.</summary>
public static class OptionsBuilderExtensions
{
    /// <summary>Binds <paramref name="section"/> of <paramref name="configuration"/> and lists the options for <c>--print-config</c>.</summary>
    public static OptionsBuilder<TOptions> BindPrintable<TOptions>(this OptionsBuilder<TOptions> builder, IConfiguration configuration, string section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddSingleton(new PrintableOptions(typeof(TOptions), builder.Name, section));
        return builder.Bind(configuration.GetSection(section));
    }
}

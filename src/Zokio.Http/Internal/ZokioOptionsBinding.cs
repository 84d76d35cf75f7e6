using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Zokio.Runtime.Loops;

namespace Zokio.Http.Internal;

/// <summary>
/// Binds <see cref="ZokioOptions"/> from the <c>Zokio</c> configuration section, failing with one line per bad value
/// (<c>Zokio:Backend must be one of Auto, IoUring, Epoll; got 'Foo'.</c>) rather than the binder's conversion
/// exception, which names no valid value and carries its inner exception's stack trace into the host's log.
/// </summary>
internal static class ZokioOptionsBinding
{
    private const string Prefix = ZokioOptions.SectionName + ":";

    /// <exception cref="OptionsValidationException">A value of the section cannot be converted to its option's type.</exception>
    public static void Bind(ZokioOptions options, IConfiguration configuration)
    {
        IConfigurationSection section = configuration.GetSection(ZokioOptions.SectionName);
        List<string> failures = [];
        CheckEnum<LoopBackendKind>(section, nameof(ZokioOptions.Backend), failures);
        CheckEnum<ApplicationScheduling>(section, nameof(ZokioOptions.ApplicationScheduling), failures);
        CheckEnum<ZokioServerKind>(section, nameof(ZokioOptions.Server), failures);
        if (failures.Count == 0)
        {
            try
            {
                section.Bind(options);
            }
            catch (InvalidOperationException ex) when (ex.InnerException is not null)
            {
                // The binder's own message names the key, the value and the type ("Failed to convert configuration value
                // 'x' at 'Zokio:LoopCount' to type 'System.Int32'."); its inner exception adds nothing for the operator.
                failures.Add(ex.Message);
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(ZokioOptions.SectionName, typeof(ZokioOptions), failures);
        }
    }

    private static void CheckEnum<TEnum>(IConfigurationSection section, string name, List<string> failures)
        where TEnum : struct, Enum
    {
        // As the binder reads an enum: by name, ignoring case (a number naming no value is left to Validate).
        string? value = section[name];
        if (value is not null && !Enum.TryParse<TEnum>(value, ignoreCase: true, out _))
        {
            failures.Add($"{Prefix}{name} must be one of {string.Join(", ", Enum.GetNames<TEnum>())}; got '{value}'.");
        }
    }
}

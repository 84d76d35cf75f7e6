using Microsoft.Extensions.Options;

namespace Zokio.Http.Internal;

/// <summary>Fails host start-up on an invalid option, with the option's configuration name, its value and the valid range.</summary>
internal sealed class ZokioOptionsValidator : IValidateOptions<ZokioOptions>
{
    public ValidateOptionsResult Validate(string? name, ZokioOptions options)
    {
        try
        {
            options.Validate(ZokioOptions.SectionName + ":");
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            // The exception message ends with ArgumentOutOfRangeException's own "(Parameter ...)" suffix; keep only ours.
            string message = ex.Message;
            int suffix = message.IndexOf(" (Parameter", StringComparison.Ordinal);
            return ValidateOptionsResult.Fail(suffix > 0 ? message[..suffix] : message);
        }
    }
}

using System.Net;
using Microsoft.Extensions.Options;

namespace MssGateway.DirectorySync.Options;

/// <summary>Start-up validation of <see cref="HttpEndpointOptions"/> bound at <paramref name="section"/>: every problem, each naming its full key and the fix.</summary>
public sealed class HttpEndpointOptionsValidator(string section = DirectorySyncOptions.SectionName + ":Http") : IValidateOptions<HttpEndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
        {
            errors.Add($"{section}:Address '{options.Address}' is not an IP address: use e.g. 0.0.0.0 or 127.0.0.1.");
        }

        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"{section}:Port {options.Port} must be between 0 and 65535 (default 9091).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

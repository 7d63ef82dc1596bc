using Microsoft.Extensions.Options;

namespace MssGateway.Policy;

/// <summary>Start-up validation of <see cref="MessagePolicyOptions"/>: each failure names the key and the fix.</summary>
public sealed class MessagePolicyOptionsValidator : IValidateOptions<MessagePolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, MessagePolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string p = MessagePolicyOptions.SectionName;
        if (options.MaxAttachmentBytes <= 0)
        {
            failures.Add($"{p}:MaxAttachmentBytes is {options.MaxAttachmentBytes}; set a positive number of octets (default 10485760).");
        }

        if (options.MaxMimeDepth is < 2 or > 256)
        {
            failures.Add($"{p}:MaxMimeDepth is {options.MaxMimeDepth}; set a value from 2 to 256 (default 32).");
        }

        if (options.MaxMimeParts is < 2 or > 1_000_000)
        {
            failures.Add($"{p}:MaxMimeParts is {options.MaxMimeParts}; set a value from 2 to 1000000 (default 1000).");
        }

        if (options.MaxHeaderBytes < 1024)
        {
            failures.Add($"{p}:MaxHeaderBytes is {options.MaxHeaderBytes}; set at least 1024 octets (default 262144).");
        }

        if (options.MaxSignatureBytes < 1024)
        {
            failures.Add($"{p}:MaxSignatureBytes is {options.MaxSignatureBytes}; set at least 1024 octets (default 1048576).");
        }

        if (string.IsNullOrWhiteSpace(options.AuthServId))
        {
            failures.Add($"{p}:AuthServId is not set; set it to the gateway's host name (usually Gateway:ServerName).");
        }
        else if (!AuthenticationResultsHeader.IsValidAuthServId(options.AuthServId))
        {
            failures.Add($"{p}:AuthServId '{options.AuthServId}' is not a valid authserv-id; use a host name (letters, digits, '.', '-').");
        }

        if (options.TempPath is not null && !System.IO.Directory.Exists(options.TempPath))
        {
            failures.Add($"{p}:TempPath '{options.TempPath}' does not exist; create it or remove the key to use the system temp folder.");
        }

        if (options.SigningTimeWindow < TimeSpan.Zero || options.SigningTimeWindow > TimeSpan.FromDays(7))
        {
            failures.Add($"{p}:SigningTimeWindow is {options.SigningTimeWindow}; set a duration from 00:00:00 to 7.00:00:00 (default 01:00:00).");
        }

        if (options.SigningTimeSkew < TimeSpan.Zero || options.SigningTimeSkew > TimeSpan.FromHours(1))
        {
            failures.Add($"{p}:SigningTimeSkew is {options.SigningTimeSkew}; set a duration from 00:00:00 to 01:00:00 (default 00:05:00).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

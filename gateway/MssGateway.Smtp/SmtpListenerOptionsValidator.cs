using System.Net;
using Microsoft.Extensions.Options;

namespace MssGateway.Smtp;

/// <summary>
/// Start-up validation of one listener of a list, bound at <paramref name="key"/> (<c>Gateway:Listeners:N</c>:
/// the element's index is in every failure): every problem at once, each naming its full key and the fix.
/// Rules across listeners (unique names) belong to the list's owner.
/// </summary>
public sealed class SmtpListenerOptionsValidator(string key) : IValidateOptions<SmtpListenerOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpListenerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Name) || options.Name.Length > 32 || !options.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            errors.Add($"{key}:Name '{options.Name}' is not valid: use up to 32 letters, digits, '-' or '_' (it is a metric label).");
        }

        if (!IPAddress.TryParse(options.Address, out _))
        {
            errors.Add($"{key}:Address '{options.Address}' is not an IP address: use 0.0.0.0, :: or a literal address.");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"{key}:Port {options.Port} is out of range 1-65535.");
        }

        if (options.TlsMode == SmtpTlsMode.None && (options.RequireTls || options.ClientCertificate != ClientCertificateMode.None))
        {
            errors.Add($"{key}: TlsMode None cannot RequireTls or ask a ClientCertificate: set TlsMode to StartTls or Implicit, or RequireTls=false and ClientCertificate=None.");
        }

        if (options.MaxMessageSize is < 65536)
        {
            errors.Add($"{key}:MaxMessageSize must be at least 65536 (RFC 5321 §4.5.3.1.7).");
        }

        if (options.MaxConcurrentSessions is < 1)
        {
            errors.Add($"{key}:MaxConcurrentSessions must be at least 1 (or removed: the server's Gateway:Smtp:Limits:MaxConcurrentSessions applies).");
        }

        if (options.ProxyProtocol && options.ProxyProtocolTrustedNetworks.Count == 0)
        {
            errors.Add($"{key}:ProxyProtocolTrustedNetworks is empty: with ProxyProtocol=true, list the load balancers' CIDR blocks (e.g. 10.0.0.0/8).");
        }

        for (var i = 0; i < options.ProxyProtocolTrustedNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(options.ProxyProtocolTrustedNetworks[i], out _))
            {
                errors.Add($"{key}:ProxyProtocolTrustedNetworks:{i} '{options.ProxyProtocolTrustedNetworks[i]}' is not a CIDR block (e.g. 10.0.0.0/8 or fd00::/8).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

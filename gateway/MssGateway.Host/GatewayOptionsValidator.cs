using System.Net;
using Microsoft.Extensions.Options;
using MssGateway.Smtp;

namespace MssGateway.Host;

/// <summary>
/// Start-up validation of <see cref="GatewayOptions"/>: every problem names its configuration key and
/// says how to fix it, and the gateway refuses to start (exit code 2) rather than run half-configured.
/// </summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <summary>Every failure of <paramref name="options"/>, each naming its full key and the fix.</summary>
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Validate(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// Turns a configuration binder failure ("Failed to convert configuration value 'x' at 'Key' to
    /// type 'T'") into one line naming the key, the value and, for an enum, the accepted values.
    /// </summary>
    public static string DescribeBindingError(InvalidOperationException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var m = System.Text.RegularExpressions.Regex.Match(error.Message, "value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
        if (!m.Success)
        {
            return error.Message;
        }

        var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(m.Groups["type"].Value)).FirstOrDefault(t => t is not null);
        var expected = type is { IsEnum: true }
            ? "one of " + string.Join(", ", Enum.GetNames(type))
            : "a value of type " + (type?.Name ?? m.Groups["type"].Value);
        return $"{m.Groups["key"].Value}: '{m.Groups["value"].Value}' is not valid; set it to {expected}.";
    }

    /// <summary>Every failure of the host's own keys; each listener is named by its index (<c>Gateway:Listeners:N:…</c>).</summary>
    private static List<string> Validate(GatewayOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.ServerName))
        {
            errors.Add("Gateway:ServerName is empty: set it to the FQDN in the gateway's server certificate.");
        }

        if (o.Listeners.Count == 0)
        {
            errors.Add("Gateway:Listeners is empty: configure at least one listener (e.g. Gateway:Listeners:0:Port=587).");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var needsTls = false;
        for (var i = 0; i < o.Listeners.Count; i++)
        {
            var l = o.Listeners[i];
            var key = $"Gateway:Listeners:{i}";
            if (new SmtpListenerOptionsValidator(key).Validate(null, l) is { Failed: true } listener)
            {
                errors.AddRange(listener.Failures);
            }

            if (!string.IsNullOrWhiteSpace(l.Name) && !names.Add(l.Name))
            {
                errors.Add($"{key}:Name '{l.Name}' is used twice: listener names must be unique.");
            }

            needsTls |= l.TlsMode != SmtpTlsMode.None;
        }

        if (needsTls)
        {
            RequireFile(errors, "Gateway:Tls:CertificateFile", o.Tls.CertificateFile, "the gateway's PEM server certificate");
            RequireFile(errors, "Gateway:Tls:KeyFile", o.Tls.KeyFile, "the PEM private key of that certificate");
            if (o.Tls.ChainFile is not null)
            {
                RequireFile(errors, "Gateway:Tls:ChainFile", o.Tls.ChainFile, "PEM intermediates");
            }
        }

        foreach (var suite in o.Tls.CipherSuites)
        {
            if (!Enum.TryParse<System.Net.Security.TlsCipherSuite>(suite, ignoreCase: false, out _))
            {
                errors.Add($"Gateway:Tls:CipherSuites: '{suite}' is not an IANA cipher suite name (e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384).");
            }
        }

        if (o.Http.Port is < 1 or > 65535 || !IPAddress.TryParse(o.Http.Address, out _))
        {
            errors.Add($"Gateway:Http: '{o.Http.Address}:{o.Http.Port}' is not a valid address and port (default 0.0.0.0:9090).");
        }

        if (o.Directory.Kind == DirectoryKind.File)
        {
            RequireFile(errors, "Gateway:Directory:File", o.Directory.File, "the JSON directory file (docs/directory.md)");
        }

        if (o.Logging.HashAddresses && o.Logging.HashKeyFile is not null)
        {
            RequireFile(errors, "Gateway:Logging:HashKeyFile", o.Logging.HashKeyFile, "the secret key of the address hash (or remove the key: a random key is then drawn at each start)");
            if (File.Exists(o.Logging.HashKeyFile) && new FileInfo(o.Logging.HashKeyFile).Length < 16)
            {
                errors.Add($"Gateway:Logging:HashKeyFile '{o.Logging.HashKeyFile}' holds fewer than 16 octets: write a random key of at least 32 octets (head -c 32 /dev/urandom > FILE).");
            }
        }

        return errors;
    }

    private static void RequireFile(List<string> errors, string key, string? path, string what)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            errors.Add($"{key} is not set: give the path of {what}.");
        }
        else if (!File.Exists(path))
        {
            errors.Add($"{key} '{path}' does not exist: give the path of {what}.");
        }
    }
}

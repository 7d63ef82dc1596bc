using Microsoft.Extensions.Options;

namespace MssGateway.Delivery;

/// <summary>
/// Start-up validation of <see cref="DeliveryOptions"/>: every message names the configuration key
/// and says how to fix it, so a bad deployment stops at once instead of bouncing mail later.
/// </summary>
public sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    private const string S = DeliveryOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var hop = options.InternalNextHop;
        if (options.LocalDomains.Count > 0 && string.IsNullOrWhiteSpace(hop.Host))
        {
            errors.Add($"{S}:InternalNextHop:Host is empty while {S}:LocalDomains lists domains: set it to the hospital mail system (e.g. \"mail.hopital.local\") or empty LocalDomains.");
        }

        if (hop.Port is < 1 or > 65535)
        {
            errors.Add($"{S}:InternalNextHop:Port is {hop.Port}: set a TCP port between 1 and 65535 (25 for SMTP, 24 for LMTP).");
        }

        if (!string.IsNullOrEmpty(hop.CaFile) && !File.Exists(hop.CaFile))
        {
            errors.Add($"{S}:InternalNextHop:CaFile '{hop.CaFile}' does not exist: point it to a PEM file or leave it empty for the system trust store.");
        }

        for (var i = 0; i < options.LocalDomains.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.LocalDomains[i]) || options.LocalDomains[i].Contains('@', StringComparison.Ordinal))
            {
                errors.Add($"{S}:LocalDomains:{i} '{options.LocalDomains[i]}' is not a domain name: write a bare domain like \"hopital.mssante.fr\".");
            }
        }

        foreach (var (domain, target) in options.TransportMap)
        {
            if (!NextHopAddress.TryParse(target, options.RemotePort, out _))
            {
                errors.Add($"{S}:TransportMap:{domain} '{target}' is not host[:port]: write e.g. \"mx.operateur-b.fr:25\" or \"[2001:db8::1]:25\".");
            }
        }

        if (options.RemotePort is < 1 or > 65535)
        {
            errors.Add($"{S}:RemotePort is {options.RemotePort}: set a TCP port between 1 and 65535 (25 between operators).");
        }

        for (var i = 0; i < options.RetrySchedule.Count; i++)
        {
            if (options.RetrySchedule[i] <= TimeSpan.Zero)
            {
                errors.Add($"{S}:RetrySchedule:{i} must be a positive time span like \"00:05:00\".");
            }
        }

        if (options.RetryJitter is < 0 or > 1)
        {
            errors.Add($"{S}:RetryJitter is {options.RetryJitter}: set a fraction between 0 and 1 (0.1 = up to +10 %).");
        }

        if (options.MaxLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{S}:MaxLifetime must be positive: set e.g. \"5.00:00:00\" (5 days).");
        }

        if (options.DelayWarningAfter < TimeSpan.Zero)
        {
            errors.Add($"{S}:DelayWarningAfter must be zero (no warning) or positive, e.g. \"04:00:00\".");
        }

        if (options.ConcurrencyPerDestination < 1)
        {
            errors.Add($"{S}:ConcurrencyPerDestination is {options.ConcurrencyPerDestination}: set at least 1.");
        }

        if (options.MaxConcurrentDeliveries < 1)
        {
            errors.Add($"{S}:MaxConcurrentDeliveries is {options.MaxConcurrentDeliveries}: set at least 1.");
        }

        if (options.InitialConcurrency < 1)
        {
            errors.Add($"{S}:InitialConcurrency is {options.InitialConcurrency}: set at least 1 (a window above ConcurrencyPerDestination starts at that limit).");
        }

        if (options.FailedCohortLimit < 1)
        {
            errors.Add($"{S}:FailedCohortLimit is {options.FailedCohortLimit}: set at least 1 (1 as Postfix: one failed cohort declares a destination dead).");
        }

        if (options.MaxMessagesPerConnection < 1)
        {
            errors.Add($"{S}:MaxMessagesPerConnection is {options.MaxMessagesPerConnection}: set at least 1 (1 = a new connection per message).");
        }

        if (options.PipelineDepth is < 1 or > 8)
        {
            errors.Add($"{S}:PipelineDepth is {options.PipelineDepth}: set 1 (one transaction per connection at a time) to 8; 2 is the default.");
        }

        foreach (var (key, value) in new[]
        {
            ("PollInterval", options.PollInterval), ("DeferredScanInterval", options.DeferredScanInterval), ("SmtpTimeout", options.SmtpTimeout),
            ("DataTerminationTimeout", options.DataTerminationTimeout), ("DeadDestinationRetry", options.DeadDestinationRetry),
            ("MaxConnectionAge", options.MaxConnectionAge), ("ConnectionIdleTimeout", options.ConnectionIdleTimeout),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{S}:{key} is {value}: set a positive time span like \"00:00:05\".");
            }
        }

        if (options.DeleteSyncInterval < TimeSpan.Zero || options.DeleteSyncInterval > TimeSpan.FromSeconds(1))
        {
            // Bounded: a power loss re-delivers the messages deleted within it, and that window must stay short.
            errors.Add($"{S}:DeleteSyncInterval is {options.DeleteSyncInterval}: set a time span from \"00:00:00\" (every delete waits for its fsync) to \"00:00:01\"; \"00:00:00.050\" is the default.");
        }

        if (options.MaxReceivedHeaders < 1)
        {
            errors.Add($"{S}:MaxReceivedHeaders is {options.MaxReceivedHeaders}: set at least 1 (30 is usual).");
        }

        if (!Enum.IsDefined(options.MinimumTlsVersion))
        {
            errors.Add($"{S}:MinimumTlsVersion is '{options.MinimumTlsVersion}': set Tls12 or Tls13.");
        }

        if (string.IsNullOrEmpty(options.ClientCertificateFile) != string.IsNullOrEmpty(options.ClientKeyFile))
        {
            errors.Add($"{S}:ClientCertificateFile and {S}:ClientKeyFile go together: set both (PEM certificate and its key) or neither.");
        }

        foreach (var (key, file) in new[] { ("ClientCertificateFile", options.ClientCertificateFile), ("ClientKeyFile", options.ClientKeyFile), ("ClientChainFile", options.ClientChainFile) })
        {
            if (!string.IsNullOrEmpty(file) && !File.Exists(file))
            {
                errors.Add($"{S}:{key} '{file}' does not exist: mount the file (a Kubernetes Secret) or fix the path.");
            }
        }

        if (File.Exists(options.ClientCertificateFile) && File.Exists(options.ClientKeyFile))
        {
            try
            {
                using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(options.ClientCertificateFile, options.ClientKeyFile);
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                errors.Add($"{S}:ClientCertificateFile/ClientKeyFile cannot be read as a PEM certificate and its private key ({ex.Message}): check that the key matches the certificate and is not encrypted.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.PostmasterLocalPart) || options.PostmasterLocalPart.Contains('@', StringComparison.Ordinal))
        {
            errors.Add($"{S}:PostmasterLocalPart must be a bare local part like \"MAILER-DAEMON\".");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using Microsoft.Extensions.Options;

namespace MssGateway.Host.Dev;

/// <summary>
/// Start-up validation of <see cref="DevMaildirOptions"/>: every problem at once, each naming its full key and
/// the fix. The receiver takes mail without TLS, so it is refused outside dev mode and off loopback; it stands in
/// for the hospital's mail system, so it needs delivery on and the local domains it receives.
/// </summary>
public sealed class DevMaildirOptionsValidator(IHostEnvironment environment, IConfiguration configuration) : IValidateOptions<DevMaildirOptions>
{
    private const string S = DevMaildirOptions.Section;

    public ValidateOptionsResult Validate(string? name, DevMaildirOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        if (!environment.IsDevelopment())
        {
            errors.Add($"{S}:Path is for dev mode only (mssgw --dev): remove it and point Gateway:Delivery:InternalNextHop at the hospital's mail system.");
        }

        if (!System.Net.IPAddress.TryParse(options.Address, out var ip) || !System.Net.IPAddress.IsLoopback(ip))
        {
            errors.Add($"{S}:Address '{options.Address}' is not a loopback address: the dev receiver takes mail without TLS, use 127.0.0.1.");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"{S}:Port {options.Port} is out of range 1-65535 (default 2526).");
        }

        // Read as the delivery component binds them (its own options may not be registered: delivery off).
        if (!configuration.GetValue("Gateway:Delivery:Enabled", true))
        {
            errors.Add($"{S}:Path needs delivery: set Gateway:Delivery:Enabled=true (or remove {S}).");
        }

        if (!configuration.GetSection("Gateway:Delivery:LocalDomains").GetChildren().Any(c => !string.IsNullOrWhiteSpace(c.Value)))
        {
            errors.Add($"{S}:Path receives the mail of Gateway:Delivery:LocalDomains, which is empty: list the dev domain (hopital-dev.mssante.test).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

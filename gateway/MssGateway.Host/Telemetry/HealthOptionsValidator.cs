using Microsoft.Extensions.Options;

namespace MssGateway.Host.Telemetry;

/// <summary>Start-up validation of <see cref="HealthOptions"/> (<c>Gateway:Health</c>): every problem with its key and fix.</summary>
public sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

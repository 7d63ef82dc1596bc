using Microsoft.Extensions.Options;

namespace MssGateway.Host.Telemetry;

/// <summary>Start-up validation of <see cref="GracefulShutdownOptions"/> (<c>Gateway:Shutdown</c>): every problem with its key and fix.</summary>
public sealed class GracefulShutdownOptionsValidator : IValidateOptions<GracefulShutdownOptions>
{
    public ValidateOptionsResult Validate(string? name, GracefulShutdownOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using Microsoft.Extensions.Options;

namespace MssGateway.Directory.Redis;

/// <summary>Start-up validation of <see cref="RedisDirectoryOptions"/> bound at a section: every problem, each naming its full key and the fix.</summary>
public sealed class RedisDirectoryOptionsValidator(string section) : IValidateOptions<RedisDirectoryOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisDirectoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Problems(section);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

using Microsoft.Extensions.Options;

namespace MssGateway.Spool;

/// <summary>Start-up validation of <see cref="SpoolOptions"/>: every problem at once, each naming its full key and the fix.</summary>
public sealed class SpoolOptionsValidator : IValidateOptions<SpoolOptions>
{
    /// <summary>The most recycled files a spool keeps (at <see cref="MessageSpool.RecycledFileMaxBytes"/> each, 4 GiB of disk at worst).</summary>
    public const int MaxRecycledFiles = 4096;

    public ValidateOptionsResult Validate(string? name, SpoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            errors.Add($"{SpoolOptions.Section}:Path is empty: set it to a writable directory (e.g. /var/spool/mssgw), one per gateway instance.");
        }

        if (options.MinimumFreeBytes < 0)
        {
            errors.Add($"{SpoolOptions.Section}:MinimumFreeBytes {options.MinimumFreeBytes} is negative: set it to zero (no floor) or a number of octets (default 536870912, 512 MiB).");
        }

        if (!Enum.IsDefined(options.Sync))
        {
            errors.Add($"{SpoolOptions.Section}:Sync '{options.Sync}' is not valid; set it to one of {string.Join(", ", Enum.GetNames<SpoolSyncMode>())}.");
        }

        if (options.RecycledFiles is < 0 or > MaxRecycledFiles)
        {
            errors.Add($"{SpoolOptions.Section}:RecycledFiles {options.RecycledFiles} is out of range: set it between 0 (unlink every delivered file) and {MaxRecycledFiles} (default 256).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

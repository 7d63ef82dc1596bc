using Microsoft.Extensions.Options;

namespace MssGateway.DirectorySync.Options;

/// <summary>Start-up validation of <see cref="FlatFileSourceOptions"/> bound at <paramref name="section"/>, naming the full key and the fix.</summary>
public sealed class FlatFileSourceOptionsValidator(string section = DirectorySyncOptions.SectionName + ":FlatFile") : IValidateOptions<FlatFileSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, FlatFileSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.Path)
            ? ValidateOptionsResult.Fail($"{section}:Path is empty: set it to the downloaded Extraction_Correspondance_MSSante file (.txt or .zip).")
            : ValidateOptionsResult.Success;
    }
}

using Microsoft.Extensions.Options;

namespace MssGateway.Spool.Encryption;

/// <summary>Checks <c>Gateway:Spool:Encryption</c> at start-up: every failure names its full key and the fix.</summary>
public sealed class SpoolEncryptionOptionsValidator : IValidateOptions<SpoolEncryptionOptions>
{
    private const string S = SpoolEncryptionOptions.Section;

    public ValidateOptionsResult Validate(string? name, SpoolEncryptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.Enabled && string.IsNullOrWhiteSpace(options.KeyFile))
        {
            failures.Add($"{S}:KeyFile is not set while {S}:Enabled is true: give the file of the current key (openssl rand -base64 32 > spool.key; in the chart, spool.encryption.existingSecret).");
        }
        else if (options.Enabled)
        {
            Check(failures, $"{S}:KeyFile", options.KeyFile!);
        }

        if (options.Enabled)
        {
            for (var i = 0; i < options.PreviousKeyFiles.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(options.PreviousKeyFiles[i]))
                {
                    failures.Add($"{S}:PreviousKeyFiles:{i} is empty: give a key file or remove the entry.");
                }
                else
                {
                    Check(failures, $"{S}:PreviousKeyFiles:{i}", options.PreviousKeyFiles[i]);
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(List<string> failures, string key, string path)
    {
        if (!File.Exists(path))
        {
            failures.Add($"{key} = '{path}' does not exist: give the key file (mounted from its Secret), or generate one with openssl rand -base64 32.");
            return;
        }

        try
        {
            SpoolKey.Load(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            failures.Add($"{key}: {ex.Message}");
        }
    }
}

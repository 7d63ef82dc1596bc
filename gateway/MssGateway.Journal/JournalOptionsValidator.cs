using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace MssGateway.Journal;

/// <summary>Checks <c>Gateway:Journal</c> at start-up: every failure names its full key and the fix.</summary>
public sealed class JournalOptionsValidator : IValidateOptions<JournalOptions>
{
    private const string S = JournalOptions.Section;

    public ValidateOptionsResult Validate(string? name, JournalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.SigningKeyFile))
        {
            failures.Add($"{S}:SigningKeyFile is not set while {S}:Enabled is true: give an ECDSA P-256 key in PEM (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out journal.key; in the chart, journal.existingSecret).");
        }
        else if (!File.Exists(options.SigningKeyFile))
        {
            failures.Add($"{S}:SigningKeyFile = '{options.SigningKeyFile}' does not exist: give the checkpoint signing key (PEM), mounted from its Secret.");
        }
        else
        {
            try
            {
                using var key = JournalSigner.Load(options.SigningKeyFile);
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                failures.Add($"{S}:SigningKeyFile: {ex.Message}");
            }
        }

        if (options.CheckpointEveryRecords < 1)
        {
            failures.Add($"{S}:CheckpointEveryRecords = {options.CheckpointEveryRecords}: give 1 or more (default 1000).");
        }

        if (options.CheckpointInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{S}:CheckpointInterval = {options.CheckpointInterval}: give at least 00:00:01 (default 00:01:00).");
        }

        if (options.RotateAfterBytes < 64 * 1024)
        {
            failures.Add($"{S}:RotateAfterBytes = {options.RotateAfterBytes}: give at least 65536 (default 67108864).");
        }

        if (options.RotateAfter < TimeSpan.FromMinutes(1))
        {
            failures.Add($"{S}:RotateAfter = {options.RotateAfter}: give at least 00:01:00 (default 1.00:00:00).");
        }

        if (options.Retention < options.RotateAfter)
        {
            failures.Add($"{S}:Retention = {options.Retention} is shorter than {S}:RotateAfter: give at least RotateAfter (default 183.00:00:00, six months).");
        }

        if (options.Path is { } path && string.IsNullOrWhiteSpace(path))
        {
            failures.Add($"{S}:Path is empty: give a directory on the spool volume, or remove the key for <spool>/journal.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

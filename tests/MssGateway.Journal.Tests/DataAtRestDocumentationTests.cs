using MssGateway.Spool.Encryption;
using MssGateway.Testing;

namespace MssGateway.Journal.Tests;

/// <summary>docs/configuration.md names every key of Gateway:Spool:Encryption and Gateway:Journal; docs/security.md every record kind.</summary>
public sealed class DataAtRestDocumentationTests
{
    private static readonly string Configuration = File.ReadAllText(RepositoryPaths.Combine("docs", "configuration.md"));
    private static readonly string Security = File.ReadAllText(RepositoryPaths.Combine("docs", "security.md"));

    [Fact]
    public void Every_encryption_and_journal_key_is_in_the_configuration_table()
    {
        var encryption = Configuration.Split('\n').Single(l => l.StartsWith("| `Gateway:Spool:Encryption`", StringComparison.Ordinal));
        foreach (var key in typeof(SpoolEncryptionOptions).GetProperties())
        {
            Assert.Contains($"`{key.Name}`", encryption, StringComparison.Ordinal);
        }

        var journal = Configuration.Split('\n').Single(l => l.StartsWith("| `Gateway:Journal`", StringComparison.Ordinal));
        foreach (var key in typeof(JournalOptions).GetProperties())
        {
            Assert.Contains($"`{key.Name}`", journal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_record_kind_and_every_decryption_failure_is_documented()
    {
        foreach (var kind in Enum.GetValues<JournalRecordKind>())
        {
            var label = System.Text.Json.JsonSerializer.Serialize(kind).Trim('"');
            Assert.Contains($"`{label}`", Security, StringComparison.Ordinal);
        }

        var metrics = File.ReadAllText(RepositoryPaths.Combine("docs", "metrics.md"));
        foreach (var failure in Enum.GetValues<SpoolDecryptionFailure>())
        {
            Assert.Contains($"`{SpoolEncryption.Label(failure)}`", metrics, StringComparison.Ordinal);
        }
    }
}

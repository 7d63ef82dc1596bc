using Microsoft.Extensions.Time.Testing;
using MssGateway.Directory;
using MssGateway.Testing;

namespace MssGateway.Journal.Tests;

/// <summary>A journal root in a temp directory, a signing key generated for the test, a fake clock.</summary>
internal sealed class JournalFixture : IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-journal");

    public JournalFixture()
    {
        KeyFile = _dir.Combine("journal.key");
        using (JournalSigner.Generate(KeyFile))
        {
        }

        Root = _dir.Combine("journal");
    }

    public string KeyFile { get; }

    public string Root { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    public AddressRedactor Redactor { get; set; } = new(new byte[32]);

    public string Combine(params string[] parts) => _dir.Combine(parts);

    public JournalOptions Options(int checkpointEvery = 10, long rotateAfterBytes = 64L * 1024 * 1024) => new()
    {
        Enabled = true,
        SigningKeyFile = KeyFile,
        CheckpointEveryRecords = checkpointEvery,
        RotateAfterBytes = rotateAfterBytes,
    };

    public ExchangeJournal Open(JournalOptions? options = null)
    {
        var journal = new ExchangeJournal(options ?? Options(), Root, "mssgw-0", Redactor, Time);
        journal.Open();
        return journal;
    }

    public string InstanceDirectory => Path.Combine(Root, "mssgw-0");

    public JournalVerification Verify()
    {
        using var key = JournalSigner.Load(KeyFile);
        return JournalVerifier.Verify(InstanceDirectory, [key]);
    }

    public static JournalRecord Accept(int i) => new()
    {
        Kind = JournalRecordKind.Accept,
        QueueId = $"0000000000Q{i:D5}",
        Listener = "smtps",
        ClientIdentity = "810001234567",
        ClientIssuer = "CN=TEST AC IGC-SANTE ELEMENTAIRE PERSONNES",
        Sender = "dr.house@hopital-a.mssante.test",
        Recipients = ["patient.care@hopital-b.mssante.test"],
        Tls = "TLSv1.3",
        Policy = "accepted",
        Smime = "pass",
        ReplyCode = 250,
        EnhancedCode = "2.0.0",
    };

    public void Dispose() => _dir.Dispose();
}

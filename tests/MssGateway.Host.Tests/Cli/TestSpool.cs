using System.Text;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Cli;

/// <summary>
/// A real spool directory filled through the spool's own API (the files a running gateway writes):
/// messages with a chosen sender, recipients, acceptance time, state and delivery history.
/// </summary>
internal sealed class TestSpool : IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-queue-cli");

    public TestSpool(bool encrypted = false)
    {
        if (encrypted)
        {
            KeyFile = _dir.Combine("spool.key");
            Spool = new MessageSpool(_dir.Combine("spool"), SpoolSyncMode.GroupCommit, new MssGateway.Spool.Encryption.SpoolEncryption(new MssGateway.Spool.Encryption.SpoolKeyRing(MssGateway.Spool.Encryption.SpoolKey.Generate(KeyFile)), sealNewFiles: true));
        }
        else
        {
            Spool = new MessageSpool(_dir.Combine("spool"));
        }
    }

    /// <summary>The key file of an encrypted spool (null when in clear).</summary>
    public string? KeyFile { get; }

    public MessageSpool Spool { get; }

    public string Path => Spool.Root;

    public string WorkDirectory => _dir.Path;

    /// <summary>A clinical-looking body that must never appear in any CLI output.</summary>
    public const string SecretSubject = "Compte rendu DUPONT Jean";

    public async Task<string> AddAsync(string sender, string[] recipients, TimeSpan age, SpoolState state = SpoolState.Incoming, int attempts = 0, string? lastReply = null, string? heloName = null)
    {
        await using var writer = Spool.BeginMessage();
        var body = $"From: <{sender}>\r\nSubject: {SecretSubject}\r\n\r\nBonjour, resultats joints.\r\n";
        await writer.WriteAsync(Encoding.ASCII.GetBytes(body), CancellationToken.None);
        var id = writer.QueueId;
        await writer.CommitAsync(
            new SpoolEnvelope
            {
                QueueId = id,
                ReceivedAt = DateTimeOffset.UtcNow - age,
                Sender = sender,
                Recipients = recipients.Select(r => new SpoolRecipient { Address = r }).ToArray(),
                Body = "8BITMIME",
                HeloName = heloName,
            },
            CancellationToken.None);
        if (attempts > 0)
        {
            await Spool.WriteStateAsync(
                new SpoolDeliveryState
                {
                    QueueId = id,
                    Attempts = attempts,
                    LastAttemptAt = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5),
                    NextAttemptAt = DateTimeOffset.UtcNow + TimeSpan.FromHours(1),
                    Recipients = recipients.Select(r => new RecipientState { Address = r, Status = RecipientStatus.Pending, LastReply = lastReply, LastHop = "127.0.0.1:25" }).ToList(),
                },
                CancellationToken.None);
        }

        if (state != SpoolState.Incoming)
        {
            Assert.True(await Spool.MoveAsync(id, SpoolState.Incoming, state));
        }

        return id;
    }

    public void Dispose() => _dir.Dispose();
}

using MssGateway.Testing;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// A private Postfix standing in for a hospital's own mail system (<see cref="MaildirPostfix"/>),
/// offering STARTTLS with a certificate from <see cref="TestPki"/> and delivering the hospital's
/// mailboxes into a maildir the tests read: the recipe docs/delivery.md gives for a hospital's Postfix
/// receiving from the gateway.
/// </summary>
public sealed class PostfixFixture : IAsyncLifetime
{
    public static readonly string[] Mailboxes = ["dr.durand@hopital-a.test", "dr.martin@hopital-a.test", "secretariat@hopital-a.test"];

    private MaildirPostfix? _postfix;

    public TestPki Pki { get; } = new();

    public int Port => Postfix.Port;

    public string ConfigDirectory => Postfix.ConfigDirectory;

    public string MaildirRoot => Postfix.MaildirRoot;

    private MaildirPostfix Postfix => _postfix ?? throw new InvalidOperationException("Postfix is not started");

    /// <summary>Files delivered to a mailbox (new/), oldest first.</summary>
    public IReadOnlyList<string> Delivered(string mailbox) => Postfix.Delivered(mailbox);

    public async Task InitializeAsync()
    {
        await Pki.InitializeAsync();
        _postfix = await MaildirPostfix.StartAsync("hopital-a.test", (Path.Combine(Pki.Directory, "peer.pem"), Path.Combine(Pki.Directory, "peer.key")), Mailboxes);
    }

    public async Task DisposeAsync()
    {
        if (_postfix is not null)
        {
            await _postfix.DisposeAsync();
        }

        Pki.Dispose();
    }
}

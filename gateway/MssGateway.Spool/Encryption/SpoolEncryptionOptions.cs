namespace MssGateway.Spool.Encryption;

/// <summary>
/// Options of the encrypted spool (<c>Gateway:Spool:Encryption</c>, docs/security.md "Data at rest
/// and the exchange journal"). Off by default outside dev mode; when on, every file the gateway writes
/// into the spool (messages, DSNs, delivery state, the temporary copy of an unwrapped S/MIME content)
/// is sealed with AES-256-GCM under a fresh data key wrapped by <see cref="KeyFile"/>.
/// </summary>
public sealed class SpoolEncryptionOptions
{
    public const string Section = "Gateway:Spool:Encryption";

    /// <summary>Seal new spool files. Files written before (in clear) stay readable while <see cref="ReadPlainFiles"/> is on.</summary>
    public bool Enabled { get; set; }

    /// <summary>The current key-encryption key: 32 octets base64 encoded (<c>openssl rand -base64 32</c>); seals every new file.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Keys of earlier rotations, kept only to open files sealed with them; remove one once no file needs it (a file whose key is gone is set aside with an error naming the key id).</summary>
    public List<string> PreviousKeyFiles { get; set; } = [];

    /// <summary>Open spool files written in clear (before encryption was switched on). Turn off once the last one has left the queue.</summary>
    public bool ReadPlainFiles { get; set; } = true;
}

namespace MssGateway.Spool.Encryption;

/// <summary>
/// A sealed file names a key-encryption key that is not loaded (removed from
/// <c>Gateway:Spool:Encryption:PreviousKeyFiles</c> too early, or lost). The message says which key
/// and what to do; the file itself is intact and opens again once the key is back.
/// </summary>
public sealed class SpoolKeyMissingException : SpoolDecryptionException
{
    public SpoolKeyMissingException(string keyId, string queueId)
        : base(SpoolDecryptionFailure.KeyMissing, $"message {queueId} is sealed with key {keyId}, which is neither {SpoolEncryptionOptions.Section}:KeyFile nor one of its PreviousKeyFiles: put that key file back in PreviousKeyFiles (the file is intact), then move the message back to incoming/")
    {
        KeyId = keyId;
    }

    public string KeyId { get; }
}

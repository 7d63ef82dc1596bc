namespace MssGateway.Spool.Encryption;

/// <summary>Why a sealed spool file did not open (the <c>reason</c> label of <c>mssgw_spool_decryption_failures_total</c>).</summary>
public enum SpoolDecryptionFailure
{
    /// <summary>The header is not one, or was altered (its data key does not unwrap).</summary>
    BadHeader,

    /// <summary>The header names another message than the file's name.</summary>
    WrongMessage,

    /// <summary>The file ends inside a chunk, or its last chunk is not marked final (chunks were cut off).</summary>
    Truncated,

    /// <summary>A chunk does not authenticate: a bit changed, chunks were reordered or duplicated.</summary>
    ChunkAltered,

    /// <summary>The key-encryption key named in the header is not loaded.</summary>
    KeyMissing,

    /// <summary>The decrypted content has no valid envelope and footer.</summary>
    BadLayout,

    /// <summary>A file in clear while <c>Gateway:Spool:Encryption:ReadPlainFiles</c> is off.</summary>
    PlainRefused,
}

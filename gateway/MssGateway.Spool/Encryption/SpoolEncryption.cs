using System.Diagnostics.Metrics;

namespace MssGateway.Spool.Encryption;

/// <summary>
/// How a <see cref="MessageSpool"/> treats its files: seal new ones under the ring's current key (or
/// not), open sealed ones with any key of the ring, and whether files in clear are still read.
/// Counts what it seals and every file that does not open (<c>mssgw_spool_sealed_files_total</c>,
/// <c>mssgw_spool_decryption_failures_total</c>).
/// </summary>
public sealed class SpoolEncryption
{
    private static readonly Meter Meter = new(SpoolOrphanSweeper.MeterName);
    private static readonly Counter<long> Sealed = Meter.CreateCounter<long>("mssgw_spool_sealed_files_total", description: "Spool files sealed (AES-256-GCM) when written, by kind (message, delivery_state).");
    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("mssgw_spool_decryption_failures_total", description: "Spool files that did not open (never delivered), by reason.");

    public SpoolEncryption(SpoolKeyRing? keys, bool sealNewFiles, bool readPlainFiles = true)
    {
        if (sealNewFiles && keys is null)
        {
            throw new ArgumentException("Sealing new files needs a key ring.", nameof(keys));
        }

        Keys = keys;
        SealNewFiles = sealNewFiles;
        ReadPlainFiles = readPlainFiles;
    }

    /// <summary>The keys that open sealed files (null: none loaded; sealed files then fail with <see cref="SpoolDecryptionFailure.KeyMissing"/>).</summary>
    public SpoolKeyRing? Keys { get; }

    public bool SealNewFiles { get; }

    public bool ReadPlainFiles { get; }

    /// <summary>The encryption the options ask for, or null for a spool in clear that has no key to read with.</summary>
    public static SpoolEncryption? FromOptions(SpoolEncryptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled && string.IsNullOrWhiteSpace(options.KeyFile))
        {
            return options.ReadPlainFiles ? null : new SpoolEncryption(null, false, false);
        }

        return new SpoolEncryption(SpoolKeyRing.Load(options), options.Enabled, options.ReadPlainFiles);
    }

    internal static void CountSealed(SealedFileKind kind) =>
        Sealed.Add(1, new KeyValuePair<string, object?>("kind", kind == SealedFileKind.Message ? "message" : "delivery_state"));

    internal static void CountFailure(SpoolDecryptionFailure failure) =>
        Failures.Add(1, new KeyValuePair<string, object?>("reason", Label(failure)));

    /// <summary>The metric label of a failure (snake case, as every reason label).</summary>
    public static string Label(SpoolDecryptionFailure failure) => failure switch
    {
        SpoolDecryptionFailure.BadHeader => "bad_header",
        SpoolDecryptionFailure.WrongMessage => "wrong_message",
        SpoolDecryptionFailure.Truncated => "truncated",
        SpoolDecryptionFailure.ChunkAltered => "chunk_altered",
        SpoolDecryptionFailure.KeyMissing => "key_missing",
        SpoolDecryptionFailure.BadLayout => "bad_layout",
        _ => "plain_refused",
    };
}

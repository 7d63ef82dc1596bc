using System.Text.Json.Serialization;

namespace MssGateway.Journal;

/// <summary>
/// One line of the journal (JSON, one object per line). What the logs already know about an exchange —
/// never a subject, a body, an attachment name: SC.MSS/CONF.17–18 ask for the author's identity, a
/// timestamp, the action, the request and the server's answer, failures included, and never the
/// content. Addresses are hashed or in clear per <c>Gateway:Logging:HashAddresses</c>, applied by the
/// journal itself (<see cref="ExchangeJournal"/>), whatever the caller passes. <see cref="Seq"/>,
/// <see cref="Prev"/> and <see cref="Instance"/> are set by the journal.
/// </summary>
public sealed class JournalRecord
{
    public long Seq { get; set; }

    public DateTimeOffset Time { get; set; }

    public JournalRecordKind Kind { get; set; }

    public string? Instance { get; set; }

    public string? QueueId { get; set; }

    public string? SessionId { get; set; }

    public string? Listener { get; set; }

    public string? ClientAddress { get; set; }

    /// <summary>National identifier (RPPS/ADELI) or structure identifier of the client certificate's holder.</summary>
    public string? ClientIdentity { get; set; }

    /// <summary>Subject DN of the client certificate (addresses in it hashed like the others).</summary>
    public string? ClientSubject { get; set; }

    public string? ClientIssuer { get; set; }

    public string? ClientSerial { get; set; }

    public string? Tls { get; set; }

    public string? TlsCipher { get; set; }

    /// <summary>Reverse-path (hashed or clear); empty for the null sender.</summary>
    public string? Sender { get; set; }

    public IReadOnlyList<string>? Recipients { get; set; }

    public long? Size { get; set; }

    /// <summary>Policy outcome: "accepted" or the refusal's reason label.</summary>
    public string? Policy { get; set; }

    /// <summary>S/MIME verdict label (pass, none, fail…).</summary>
    public string? Smime { get; set; }

    /// <summary>Sender binding outcome when one was violated (its reason label).</summary>
    public string? SenderBinding { get; set; }

    /// <summary>The reply given (accept, refusal) or received (delivery attempt): code, enhanced code.</summary>
    public int? ReplyCode { get; set; }

    public string? EnhancedCode { get; set; }

    public string? Reason { get; set; }

    public string? NextHop { get; set; }

    /// <summary>Delivery attempt: delivered, deferred, failed.</summary>
    public string? Result { get; set; }

    public int? Attempt { get; set; }

    /// <summary>The next hop's reply text (addresses in it hashed).</summary>
    public string? RemoteReply { get; set; }

    /// <summary>DSN: its kind (failed, delayed, relayed) and its own queue id.</summary>
    public string? DsnKind { get; set; }

    public string? DsnQueueId { get; set; }

    /// <summary>Operator action: what was asked (<c>queue delete ID</c>, or the bulk verb with its filters; addresses in it hashed like the others).</summary>
    public string? Request { get; set; }

    /// <summary>Operator action: the spool state the message was found in (incoming, deferred, hold, active, corrupt).</summary>
    public string? QueueState { get; set; }

    /// <summary>Operator action: the author as the operating system knows it — real uid, user name, <c>SUDO_USER</c> when run through sudo, host name.</summary>
    public long? OperatorUid { get; set; }

    public string? OperatorUser { get; set; }

    public string? SudoUser { get; set; }

    public string? Host { get; set; }

    /// <summary>Free text of journal housekeeping (recovery, retention), never message data.</summary>
    public string? Detail { get; set; }

    /// <summary>Retention: the file deleted, its last sequence number and last hash. File opened: the file before.</summary>
    public string? File { get; set; }

    public long? LastSeq { get; set; }

    public string? LastHash { get; set; }

    /// <summary>Checkpoint: the key id and the signature (base64, ECDSA P-256 / SHA-256).</summary>
    public string? KeyId { get; set; }

    public string? Signature { get; set; }

    /// <summary>Checkpoint: this is the last record of its file (rotation).</summary>
    public bool? Final { get; set; }

    /// <summary>SHA-256 (hex) of the previous line as written; 64 zeros for the very first record.</summary>
    public string? Prev { get; set; }
}

/// <summary>Source-generated JSON of journal lines (snake case, nulls left out, fields in declaration order).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournalRecord))]
internal sealed partial class JournalJsonContext : JsonSerializerContext
{
}

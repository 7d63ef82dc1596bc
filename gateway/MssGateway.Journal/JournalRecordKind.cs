using System.Text.Json.Serialization;

namespace MssGateway.Journal;

/// <summary>What a journal record says happened (its <c>kind</c> field and the <c>kind</c> label of <c>mssgw_journal_records_total</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JournalRecordKind>))]
public enum JournalRecordKind
{
    /// <summary>A message accepted (written before the 250, on disk with the message).</summary>
    [JsonStringEnumMemberName("accept")]
    Accept,

    /// <summary>A message refused after DATA (policy, S/MIME, directory down, spool failure).</summary>
    [JsonStringEnumMemberName("refusal")]
    Refusal,

    /// <summary>One delivery attempt to one next hop (or a local decision: no route, loop).</summary>
    [JsonStringEnumMemberName("delivery_attempt")]
    DeliveryAttempt,

    /// <summary>A delivery status notification queued about a message.</summary>
    [JsonStringEnumMemberName("dsn")]
    Dsn,

    /// <summary>A message removed from the spool (every recipient accounted for, or deleted by an operator).</summary>
    [JsonStringEnumMemberName("deletion")]
    Deletion,

    /// <summary>A signed checkpoint over the chain so far.</summary>
    [JsonStringEnumMemberName("checkpoint")]
    Checkpoint,

    /// <summary>The first record of each file, linking it to the last record of the file before.</summary>
    [JsonStringEnumMemberName("file_opened")]
    FileOpened,

    /// <summary>What start-up found and repaired (a torn last record after a crash, a broken chain).</summary>
    [JsonStringEnumMemberName("recovery")]
    Recovery,

    /// <summary>A file deleted by retention: its name, last sequence number and last hash.</summary>
    [JsonStringEnumMemberName("retention")]
    Retention,

    /// <summary>
    /// An operator's <c>mssgw queue retry</c> of one message (deferred → incoming, now), on the CLI's own
    /// instance (<c>&lt;instance&gt;-cli</c>). Like every operator kind: written twice, the intent
    /// (<c>result=requested</c>) on disk before the spool is touched, then the outcome.
    /// </summary>
    [JsonStringEnumMemberName("operator_retry")]
    OperatorRetry,

    /// <summary>An operator's <c>mssgw queue hold</c> of one message (→ hold, not delivered until released).</summary>
    [JsonStringEnumMemberName("operator_hold")]
    OperatorHold,

    /// <summary>An operator's <c>mssgw queue release</c> of one message (hold → incoming).</summary>
    [JsonStringEnumMemberName("operator_release")]
    OperatorRelease,

    /// <summary>An operator's <c>mssgw queue delete</c> of one message (removed, no DSN).</summary>
    [JsonStringEnumMemberName("operator_delete")]
    OperatorDelete,
}

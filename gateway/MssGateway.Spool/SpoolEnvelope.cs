using System.Text.Json.Serialization;

namespace MssGateway.Spool;

/// <summary>
/// The envelope stored with a message when it is accepted (immutable afterwards): who sent it, to
/// whom, how it arrived, and the header fields the gateway adds in front of the stored content on
/// delivery. Delivery progress lives in <see cref="SpoolDeliveryState"/>, beside it.
/// </summary>
public sealed class SpoolEnvelope
{
    public required string QueueId { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Reverse-path; empty for the null sender (bounces).</summary>
    public required string Sender { get; init; }

    public required IReadOnlyList<SpoolRecipient> Recipients { get; init; }

    /// <summary>BODY parameter: "7BIT", "8BITMIME" or null.</summary>
    public string? Body { get; init; }

    public bool SmtpUtf8 { get; init; }

    /// <summary>DSN RET parameter: "FULL", "HDRS" or null.</summary>
    public string? DsnReturn { get; init; }

    /// <summary>DSN ENVID (decoded).</summary>
    public string? DsnEnvelopeId { get; init; }

    /// <summary>Size of the stored content in octets.</summary>
    public long ContentLength { get; init; }

    public string? ListenerName { get; init; }

    public string? ClientAddress { get; init; }

    public string? HeloName { get; init; }

    public string? TlsProtocol { get; init; }

    public string? TlsCipher { get; init; }

    /// <summary>Subject DN of the client certificate (logs, DSNs; never patient data).</summary>
    public string? ClientCertificateSubject { get; init; }

    /// <summary>National identifier or structure identifier of the certificate holder.</summary>
    public string? ClientIdentity { get; init; }

    /// <summary>S/MIME verdict label recorded at accept time.</summary>
    public string? SmimeVerdict { get; init; }

    /// <summary>Header fields (CRLF-terminated) sent before the stored content: Received, Authentication-Results.</summary>
    public string PrependHeaders { get; init; } = string.Empty;

    /// <summary>Byte ranges of the stored content left out on delivery (forged Authentication-Results fields).</summary>
    public IReadOnlyList<SpoolByteRange> SkipRanges { get; init; } = [];
}

/// <summary>One envelope recipient with its DSN parameters (RFC 3461).</summary>
public sealed class SpoolRecipient
{
    public required string Address { get; init; }

    /// <summary>NOTIFY as given ("NEVER", or a comma list of SUCCESS, FAILURE, DELAY), null when absent.</summary>
    public string? Notify { get; init; }

    /// <summary>ORCPT as "addr-type;address", decoded.</summary>
    public string? OriginalRecipient { get; init; }
}

/// <summary>A range of bytes in the stored content.</summary>
public readonly record struct SpoolByteRange(long Offset, long Length);

/// <summary>Source-generated JSON for spool files (no reflection on the hot path).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(SpoolEnvelope))]
[JsonSerializable(typeof(SpoolDeliveryState))]
internal sealed partial class SpoolJsonContext : JsonSerializerContext
{
}

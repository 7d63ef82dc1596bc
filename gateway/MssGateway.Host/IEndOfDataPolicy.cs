using MssGateway.Smtp;
using MssGateway.Spool;

namespace MssGateway.Host;

/// <summary>What the end-of-data policy decided for one message.</summary>
public sealed record EndOfDataVerdict
{
    /// <summary>Refusal for the client, or null to accept.</summary>
    public SmtpReply? Refusal { get; init; }

    /// <summary>The Authentication-Results field to add (CRLF-terminated), or null.</summary>
    public string? AuthenticationResults { get; init; }

    /// <summary>S/MIME verdict label (pass, fail, none…).</summary>
    public string? SmimeVerdict { get; init; }

    /// <summary>Stored byte ranges not to deliver (forged Authentication-Results claiming this gateway).</summary>
    public IReadOnlyList<SpoolByteRange> SkipRanges { get; init; } = [];
}

/// <summary>The MIME policy run on the stored message before it is acknowledged (attachments, S/MIME).</summary>
public interface IEndOfDataPolicy
{
    ValueTask<EndOfDataVerdict> EvaluateAsync(Stream content, SmtpSessionInfo session, SmtpTransaction transaction, GatewayListenerOptions listener, CancellationToken cancellationToken);
}

/// <summary>Told of each message made durable in incoming/ (wakes the delivery scheduler).</summary>
public interface IAcceptedMessageSink
{
    void Accepted(string queueId);
}

using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit.Utils;
using MssGateway.Journal;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// Builds delivery status notifications (RFC 3464 multipart/report; RFC 3461 NOTIFY, RET, ENVID,
/// ORCPT) and queues them in the spool with the null sender, to be delivered like any message.
/// Never for a message whose sender is null (no bounce for a bounce, RFC 3461 §6.2), and only for
/// recipients whose NOTIFY asks for this kind. The returned content is the header section unless
/// the sender asked RET=FULL for a failure: mail under medical secrecy is not copied needlessly.
/// </summary>
public sealed class DsnWriter
{
    private readonly MessageSpool _spool;
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<DsnWriter> _logger;
    private readonly IExchangeJournal? _journal;

    public DsnWriter(MessageSpool spool, IOptionsMonitor<DeliveryOptions> options, DeliveryMetrics metrics, TimeProvider time, ILogger<DsnWriter> logger, IExchangeJournal? journal = null)
    {
        _journal = journal;
        _spool = spool;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether a recipient's NOTIFY asks for this kind (absent NOTIFY: failures and delays, as Postfix does).</summary>
    public static bool Wants(SpoolRecipient recipient, DsnKind kind)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var words = (recipient.Notify ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            return kind is DsnKind.Failed or DsnKind.Delayed;
        }

        var wanted = kind switch
        {
            DsnKind.Failed => "FAILURE",
            DsnKind.Delayed => "DELAY",
            _ => "SUCCESS",
        };
        return words.Contains(wanted, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Queues one DSN for these recipients; returns its queue id, or null when none is due (null sender, NOTIFY).</summary>
    public async Task<string?> QueueAsync(SpoolMessage original, DsnKind kind, IReadOnlyList<DsnRecipient> recipients, DateTimeOffset? willRetryUntil, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(recipients);
        var envelope = original.Envelope;
        var due = recipients.Where(r => Wants(r.Recipient, kind)).ToList();
        if (due.Count == 0)
        {
            return null;
        }

        var type = kind.ToString().ToLowerInvariant();
        if (envelope.Sender.Length == 0)
        {
            DeliveryLog.NoDsnForNullSender(_logger, envelope.QueueId, type, due.Count);
            return null;
        }

        var options = _options.CurrentValue;
        var host = options.EffectiveHeloName;
        var now = _time.GetUtcNow();
        var boundary = "=_mssgw_" + Guid.NewGuid().ToString("N");
        var utf8 = !Ascii.IsValid(envelope.Sender) || due.Any(r => !Ascii.IsValid(r.Recipient.Address));
        var returnFull = kind == DsnKind.Failed && (string.Equals(envelope.DsnReturn, "FULL", StringComparison.OrdinalIgnoreCase)
            || (envelope.DsnReturn is null && options.ReturnFullMessageByDefault));
        var eightBit = string.Equals(envelope.Body, "8BITMIME", StringComparison.OrdinalIgnoreCase);

        await using var writer = _spool.BeginMessage(_time);
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"From: Mail Delivery System <{options.PostmasterLocalPart}@{host}>\r\n");
        head.Append(CultureInfo.InvariantCulture, $"To: <{envelope.Sender}>\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Subject: {Subject(kind)}\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Date: {DateUtils.FormatDate(now)}\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Message-ID: <{writer.QueueId}.dsn@{host}>\r\n");
        head.Append("Auto-Submitted: auto-replied\r\n");
        head.Append("MIME-Version: 1.0\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"{boundary}\"\r\n");
        head.Append("\r\nThis is a MIME-encapsulated message.\r\n\r\n");

        head.Append(CultureInfo.InvariantCulture, $"--{boundary}\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Type: text/plain; charset={(utf8 ? "utf-8" : "us-ascii")}\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Transfer-Encoding: {(utf8 ? "8bit" : "7bit")}\r\n\r\n");
        head.Append(CultureInfo.InvariantCulture, $"This is the mail system at host {host}.\r\n\r\n");
        head.Append(Explanation(kind, options, willRetryUntil));
        head.Append("\r\n");
        foreach (var r in due)
        {
            head.Append(CultureInfo.InvariantCulture, $"<{r.Recipient.Address}>: {Quoted(r.Reply, utf8)}\r\n");
        }

        head.Append("\r\n");
        head.Append(CultureInfo.InvariantCulture, $"--{boundary}\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Type: {(utf8 ? "message/global-delivery-status" : "message/delivery-status")}\r\n\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Reporting-MTA: dns; {host}\r\n");
        head.Append(CultureInfo.InvariantCulture, $"X-MSSGW-Queue-ID: {envelope.QueueId}\r\n");
        if (!string.IsNullOrEmpty(envelope.DsnEnvelopeId))
        {
            head.Append(CultureInfo.InvariantCulture, $"Original-Envelope-Id: {ClientText(envelope.DsnEnvelopeId)}\r\n");
        }

        head.Append(CultureInfo.InvariantCulture, $"Arrival-Date: {DateUtils.FormatDate(envelope.ReceivedAt)}\r\n");
        foreach (var r in due)
        {
            head.Append("\r\n");
            head.Append(CultureInfo.InvariantCulture, $"Final-Recipient: {(Ascii.IsValid(r.Recipient.Address) ? "rfc822" : "utf-8")}; {r.Recipient.Address}\r\n");
            if (r.Recipient.OriginalRecipient is { } orcpt && orcpt.IndexOf(';', StringComparison.Ordinal) is > 0 and var semi)
            {
                head.Append(CultureInfo.InvariantCulture, $"Original-Recipient: {ClientText(orcpt[..semi])}; {ClientText(orcpt[(semi + 1)..])}\r\n");
            }

            head.Append(CultureInfo.InvariantCulture, $"Action: {kind.ToString().ToLowerInvariant()}\r\n");
            head.Append(CultureInfo.InvariantCulture, $"Status: {StatusOf(kind, r.Reply)}\r\n");
            if (r.RemoteMta is { Length: > 0 } mta && r.ReplyFromRemote)
            {
                var remoteHost = NextHopAddress.TryParse(mta, 25, out var hop) ? hop.Host : mta; // RFC 3464: a host name, no port
                head.Append(CultureInfo.InvariantCulture, $"Remote-MTA: dns; {remoteHost}\r\n");
                head.Append(CultureInfo.InvariantCulture, $"Diagnostic-Code: smtp; {Quoted(r.Reply, utf8)}\r\n");
            }
            else
            {
                head.Append(CultureInfo.InvariantCulture, $"Diagnostic-Code: X-MSSGW; {Quoted(r.Reply, utf8)}\r\n");
            }

            head.Append(CultureInfo.InvariantCulture, $"Last-Attempt-Date: {DateUtils.FormatDate(now)}\r\n");
            if (kind == DsnKind.Delayed && willRetryUntil is { } until)
            {
                head.Append(CultureInfo.InvariantCulture, $"Will-Retry-Until: {DateUtils.FormatDate(until)}\r\n");
            }
        }

        head.Append("\r\n");
        head.Append(CultureInfo.InvariantCulture, $"--{boundary}\r\n");
        // Only a returned body makes the DSN 8-bit: headers are ASCII unless SMTPUTF8 (then utf8 is set).
        var returnsEightBit = (returnFull && eightBit) || utf8;
        head.Append(returnFull
            ? $"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: {(returnsEightBit ? "8bit" : "7bit")}\r\n\r\n"
            : $"Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: {(returnsEightBit ? "8bit" : "7bit")}\r\n\r\n");
        await writer.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), ct);

        await using (var content = original.OpenForDelivery())
        {
            await CopyAsync(content, writer, headersOnly: !returnFull, ct);
        }

        await writer.WriteAsync(Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n"), ct);
        await writer.CommitAsync(
            new SpoolEnvelope
            {
                QueueId = writer.QueueId,
                ReceivedAt = now,
                Sender = string.Empty,
                Recipients = [new SpoolRecipient { Address = envelope.Sender, Notify = "NEVER" }],
                Body = returnsEightBit ? "8BITMIME" : "7BIT",
                SmtpUtf8 = !Ascii.IsValid(envelope.Sender),
                ListenerName = "dsn",
                PrependHeaders = string.Empty,
            },
            ct);
        _metrics.DsnSent(type);
        DeliveryLog.DsnQueued(_logger, envelope.QueueId, writer.QueueId, type, due.Count);
        _journal?.Append(new JournalRecord
        {
            Kind = JournalRecordKind.Dsn, QueueId = envelope.QueueId, DsnKind = type, DsnQueueId = writer.QueueId,
            Sender = envelope.Sender, Recipients = [.. due.Select(r => r.Recipient.Address)],
        });
        return writer.QueueId;
    }

    /// <summary>
    /// ENVID and ORCPT come from the client: the SMTP parser admits only printable US-ASCII, but a spool
    /// written by an older version (or edited by hand) may hold anything. Whatever is not printable
    /// US-ASCII is written as RFC 3461 xtext escapes, so no client byte can end a DSN header line.
    /// </summary>
    /// <summary>
    /// A reply as the DSN quotes it: a next hop's UTF-8 text (RFC 6531 servers send it) in a DSN that is
    /// US-ASCII and 7bit would make the report itself malformed, so there its non-ASCII characters become <c>?</c>.
    /// </summary>
    private static string Quoted(DeliveryReply reply, bool utf8)
    {
        var text = reply.ToString();
        return utf8 || Ascii.IsValid(text) ? text : string.Concat(text.Select(c => c <= '~' ? c : '?'));
    }

    internal static string ClientText(string value)
    {
        if (value.All(c => c is >= ' ' and <= '~'))
        {
            return value;
        }

        var sb = new StringBuilder(value.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is > (byte)' ' and <= (byte)'~' and not (byte)'+' and not (byte)'=')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append('+').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string Subject(DsnKind kind) => kind switch
    {
        DsnKind.Failed => "Undelivered Mail Returned to Sender",
        DsnKind.Delayed => "Delayed Mail (still being retried)",
        _ => "Successful Mail Delivery Report",
    };

    private static string Explanation(DsnKind kind, DeliveryOptions options, DateTimeOffset? willRetryUntil) => kind switch
    {
        DsnKind.Failed => "Your message could not be delivered to one or more recipients.\r\nThe reasons are given below; the message will not be retried for them.\r\n",
        DsnKind.Delayed => string.Create(CultureInfo.InvariantCulture, $"Your message could not yet be delivered to one or more recipients.\r\nIt has been waiting for more than {options.DelayWarningAfter.TotalHours:0.#} hours; the mail system will keep trying\r\nuntil {(willRetryUntil is { } u ? DateUtils.FormatDate(u) : "the end of the message's lifetime")}. You do not need to send it again.\r\n"),
        _ => "Your message was handed to the next mail system, which does not send delivery reports.\r\n",
    };

    private static string StatusOf(DsnKind kind, DeliveryReply reply) => kind switch
    {
        DsnKind.Relayed => "2.0.0",
        DsnKind.Delayed => reply.EnhancedCode.StartsWith('4') ? reply.EnhancedCode : "4.0.0",
        _ => reply.EnhancedCode.StartsWith('2') ? "5.0.0" : reply.EnhancedCode,
    };

    /// <summary>Copies the original into the DSN: everything, or only the header section (up to the first empty line).</summary>
    private static async Task CopyAsync(Stream content, SpoolMessageWriter writer, bool headersOnly, CancellationToken ct)
    {
        var buffer = new byte[65536];
        var tail = 0; // how many of "\r\n\r\n" the bytes just copied matched
        var atStart = true;
        int n;
        while ((n = await content.ReadAsync(buffer, ct)) > 0)
        {
            var take = n;
            if (headersOnly)
            {
                for (var i = 0; i < n; i++)
                {
                    var b = buffer[i];
                    if (atStart && b is (byte)'\r' or (byte)'\n')
                    {
                        take = 0; // no header section at all
                        tail = 4;
                        break;
                    }

                    atStart = false;
                    tail = b == (tail is 0 or 2 ? (byte)'\r' : (byte)'\n') ? tail + 1 : b == (byte)'\r' ? 1 : 0;
                    if (tail == 4)
                    {
                        take = Math.Max(0, i - 1); // keep the header section's last CRLF, drop the empty line
                        break;
                    }
                }
            }

            await writer.WriteAsync(buffer.AsMemory(0, take), ct);
            if (tail == 4)
            {
                return;
            }
        }
    }
}

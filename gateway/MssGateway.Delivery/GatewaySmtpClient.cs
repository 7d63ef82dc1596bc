using System.Net.Security;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// MailKit's SMTP client adapted to relaying a spooled message: the message goes out exactly as
/// stored (no <see cref="MimeMessage.Prepare"/> re-encoding), each recipient's RCPT reply is kept
/// instead of aborting the transaction on the first refusal, and the sender's RFC 3461 parameters
/// (NOTIFY, RET, ENVID) are passed on when the next hop supports DSN. ORCPT: MailKit 4.18 does not
/// let a subclass supply it and sends the RCPT address itself (the same address unless the
/// sender gave a different ORCPT); docs/delivery.md notes this.
/// </summary>
internal sealed class GatewaySmtpClient : SmtpClient
{
    private readonly SpoolEnvelope _envelope;
    private readonly Dictionary<string, SpoolRecipient> _recipients;
    private readonly SslStreamCertificateContext? _clientCertificateContext;

    public GatewaySmtpClient(SpoolEnvelope envelope, IEnumerable<SpoolRecipient> recipients, SslStreamCertificateContext? clientCertificateContext)
    {
        _envelope = envelope;
        _recipients = new Dictionary<string, SpoolRecipient>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in recipients)
        {
            _recipients.TryAdd(r.Address, r); // a client may give the same RCPT twice: first one wins
        }

        _clientCertificateContext = clientCertificateContext;
        DeliveryStatusNotificationType = envelope.DsnReturn?.ToUpperInvariant() switch
        {
            "FULL" => MailKit.Net.Smtp.DeliveryStatusNotificationType.Full,
            "HDRS" => MailKit.Net.Smtp.DeliveryStatusNotificationType.HeadersOnly,
            _ => MailKit.Net.Smtp.DeliveryStatusNotificationType.Unspecified,
        };
    }

    /// <summary>RCPT replies of the recipients the next hop accepted.</summary>
    public Dictionary<string, SmtpResponse> Accepted { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>RCPT replies of the recipients the next hop refused.</summary>
    public Dictionary<string, SmtpResponse> Refused { get; } = new(StringComparer.OrdinalIgnoreCase);

    protected override SslClientAuthenticationOptions GetSslClientAuthenticationOptions(string host, RemoteCertificateValidationCallback validationCallback)
    {
        var options = base.GetSslClientAuthenticationOptions(host, validationCallback);
        if (_clientCertificateContext is not null)
        {
            // A context carries the intermediates too, so the peer can build the path to the IGC-Santé root.
            options.ClientCertificates = null;
            options.ClientCertificateContext = _clientCertificateContext;
        }

        return options;
    }

    protected override void Prepare(FormatOptions options, MimeMessage message, EncodingConstraint constraint, int maxLineLength)
    {
        // Deliberately nothing: a relay sends the bytes it accepted (Référentiel #2 X-MSS-* fields, S/MIME signatures).
    }

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        Accepted[mailbox.Address] = response;

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        Refused[mailbox.Address] = response;

    protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientAcceptedException();

    protected override string? GetEnvelopeId(MimeMessage message) => _envelope.DsnEnvelopeId;

    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox)
    {
        if (!_recipients.TryGetValue(mailbox.Address, out var r) || string.IsNullOrEmpty(r.Notify))
        {
            return null;
        }

        DeliveryStatusNotification notify = 0;
        foreach (var word in r.Notify.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            notify |= word.ToUpperInvariant() switch
            {
                "SUCCESS" => DeliveryStatusNotification.Success,
                "FAILURE" => DeliveryStatusNotification.Failure,
                "DELAY" => DeliveryStatusNotification.Delay,
                _ => DeliveryStatusNotification.Never,
            };
        }

        return notify;
    }
}

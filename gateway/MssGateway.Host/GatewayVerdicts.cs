using MssGateway.Policy;
using MssGateway.Smtp;
using MssGateway.Trust;

namespace MssGateway.Host;

/// <summary>
/// The one table from verdicts to replies (DESIGN.md §3 "Verdicts and replies", STYLE.md "failures as
/// closed enums"): the trust engine, sender binding, the end-of-data policy and the session hooks decide in
/// their own vocabulary; this table alone turns each value into its SMTP reply (code, enhanced code, text),
/// names the log event that records it and the metrics that count it. The reason label of a component's
/// verdict is the component's own (<see cref="TrustLabels"/>, <see cref="PolicyLabels"/>), because the
/// component counts by it; the table cannot give it another. Complete by construction: the type initialiser
/// fails when a value of a verdict enum has no row, or two. docs/smtp.md "Gateway replies" and
/// docs/refusal-reasons.md are tested against <see cref="All"/> both ways.
/// </summary>
public static class GatewayVerdicts
{
    private const string CertificateRefused = "CertificateRefused";
    private const string EnvelopeRefused = "EnvelopeRefused";
    private const string MessageRefused = "MessageRefused";
    private const string SessionEnd = "SessionEnd";

    private const string SmtpRefusals = "mssgw_smtp_refusals_total";
    private const string CertificateChecks = "mssgw_client_certificate_checks_total";
    private const string PolicyRefusals = "mssgw_policy_refusals_total";
    private const string SenderBindingViolations = "mssgw_sender_binding_violations_total";

    // Client certificate refusals: 535 5.7.8 (RFC 4954 §6 "authentication credentials invalid": the certificate
    // is the client's credential), but a missing one is the engine's 530 5.7.0 (the same instance, so both say the same).
    private static readonly GatewayVerdict[] CertificateRows =
    [
        new(CertificateRefusal.Missing, Labelled(SmtpReplies.ClientCertificateMissing, CertificateRefusal.Missing.ToLabel()), CertificateRefused, [CertificateChecks, SmtpRefusals]),
        Certificate(CertificateRefusal.Untrusted, "Client certificate not trusted"),
        Certificate(CertificateRefusal.Expired, "Client certificate outside its validity period"),
        Certificate(CertificateRefusal.Revoked, "Client certificate revoked"),
        Certificate(CertificateRefusal.RevocationUnknown, "Client certificate revocation status unknown"),
        Certificate(CertificateRefusal.Usage, "Client certificate not valid for this use"),
    ];

    // Sender binding at MAIL FROM: 550 5.7.1 (RFC 3463 "delivery not authorized").
    private static readonly GatewayVerdict[] SenderRows =
    [
        new(SenderRefusal.NotBound, new SmtpReply(550, "5.7.1", SenderRefusal.NotBound.ToLabel(), "Sender address not bound to the client certificate"), EnvelopeRefused, [SmtpRefusals, SenderBindingViolations]),
        new(SenderRefusal.DomainNotAuthorised, new SmtpReply(550, "5.7.1", SenderRefusal.DomainNotAuthorised.ToLabel(), "Sender domain not on the MSSanté authorised-domain list"), EnvelopeRefused, [SmtpRefusals]),
    ];

    // End of data: X.3.4 too big for the system, X.6.0 media the gateway will not carry, X.7.x security.
    private static readonly GatewayVerdict[] PolicyRows =
    [
        Policy(PolicyRefusal.AttachmentsTooBig, 552, "5.3.4", "Attachments exceed the maximum total size"),
        Policy(PolicyRefusal.MimeTooComplex, 554, "5.6.0", "Message structure exceeds the MIME nesting, part or header limits"),
        Policy(PolicyRefusal.MimeMalformed, 550, "5.6.0", "Message structure is malformed or ambiguous"),
        Policy(PolicyRefusal.SmimeInvalid, 550, "5.7.7", "S/MIME signature is not valid"),
        Policy(PolicyRefusal.SmimeUntrusted, 550, "5.7.5", "S/MIME signer certificate is not trusted"),
        Policy(PolicyRefusal.SmimePartial, 550, "5.7.1", "S/MIME signature does not cover the whole message"),
        Policy(PolicyRefusal.SmimeWeakAlgorithm, 550, "5.7.5", "S/MIME signature uses a weak algorithm or key"),
        Policy(PolicyRefusal.SmimeSignerMismatch, 550, "5.7.1", "S/MIME signer does not match the From address"),
        Policy(PolicyRefusal.SmimeMissing, 550, "5.7.1", "An S/MIME signature is required on this service"),
        Policy(PolicyRefusal.HeaderFromNotBound, 550, "5.7.1", "From header not bound to the client certificate", SenderBindingViolations),

        // The same reply as at MAIL FROM: a client cannot tell at which stage the binding failed, and need not.
        new(PolicyRefusal.SenderNotBound, SenderRows[0].Reply, MessageRefused, [PolicyRefusals, SmtpRefusals, SenderBindingViolations]),
    ];

    private static readonly GatewayVerdict[] GatewayRows =
    [
        Gateway(GatewayRefusal.RecipientUnknown, 550, "5.1.1", "recipient_unknown", "Recipient not listed in the MSSante directory", EnvelopeRefused),
        Gateway(GatewayRefusal.RecipientDomainNotAuthorised, 550, "5.7.1", "domain_not_authorised", "Domain is not on the MSSante authorised-domain list", EnvelopeRefused),
        Gateway(GatewayRefusal.RelayDenied, 550, "5.7.1", "relay_denied", "Relaying denied: this listener accepts mail for the gateway's own domains only", EnvelopeRefused),
        Gateway(GatewayRefusal.UnsafeAddress, 553, "5.1.3", "address_unsafe_characters", "Control or bidirectional formatting character in address", EnvelopeRefused),
        Gateway(GatewayRefusal.SpoolFull, 452, "4.3.1", "insufficient_storage", "Insufficient system storage, try again later", SessionEnd),
        Gateway(GatewayRefusal.DirectoryUnavailable, 451, "4.4.3", "directory_unavailable", "Directory temporarily unavailable, try again later", EnvelopeRefused + " or " + MessageRefused),
        Gateway(GatewayRefusal.Draining, 421, "4.3.2", "shutting_down", "Service shutting down, try again later", SessionEnd),
    ];

    private static readonly SmtpReply[] CertificateReplies = Index<CertificateRefusal>(CertificateRows);
    private static readonly SmtpReply[] SenderReplies = Index<SenderRefusal>(SenderRows);
    private static readonly SmtpReply[] PolicyReplies = Index<PolicyRefusal>(PolicyRows);
    private static readonly SmtpReply[] GatewayReplies = Index<GatewayRefusal>(GatewayRows);

    /// <summary>Every row, for documentation and tests.</summary>
    public static IReadOnlyList<GatewayVerdict> All { get; } = [.. CertificateRows, .. SenderRows, .. PolicyRows, .. GatewayRows];

    /// <summary>The verdict enums the table covers (each value has exactly one row).</summary>
    public static IReadOnlyList<Type> VerdictTypes { get; } = [typeof(CertificateRefusal), typeof(SenderRefusal), typeof(PolicyRefusal), typeof(GatewayRefusal)];

    public static SmtpReply Reply(CertificateRefusal refusal) => CertificateReplies[(int)refusal];

    public static SmtpReply Reply(SenderRefusal refusal) => SenderReplies[(int)refusal];

    public static SmtpReply Reply(PolicyRefusal refusal) => PolicyReplies[(int)refusal];

    public static SmtpReply Reply(GatewayRefusal refusal) => GatewayReplies[(int)refusal];

    /// <summary>250 after the durable commit.</summary>
    public static SmtpReply Queued(string queueId) => new(250, "2.0.0", null, $"Ok: queued as {queueId}");

    private static GatewayVerdict Certificate(CertificateRefusal refusal, string text) =>
        new(refusal, new SmtpReply(535, "5.7.8", refusal.ToLabel(), text), CertificateRefused, [CertificateChecks, SmtpRefusals]);

    private static GatewayVerdict Policy(PolicyRefusal refusal, int code, string enhanced, string text, params string[] moreMetrics) =>
        new(refusal, new SmtpReply(code, enhanced, refusal.ToLabel(), text), MessageRefused, [PolicyRefusals, SmtpRefusals, .. moreMetrics]);

    private static GatewayVerdict Gateway(GatewayRefusal refusal, int code, string enhanced, string reason, string text, string logEvent) =>
        new(refusal, new SmtpReply(code, enhanced, reason, text), logEvent, [SmtpRefusals]);

    /// <summary>A reply declared elsewhere, checked to carry the verdict's label.</summary>
    private static SmtpReply Labelled(SmtpReply reply, string label) =>
        reply.Reason == label ? reply : throw new InvalidOperationException($"reply {reply} does not carry the verdict label '{label}'");

    /// <summary>Replies indexed by the enum's value; throws when a value has no row or two (the table is complete or the host does not start).</summary>
    private static SmtpReply[] Index<TEnum>(GatewayVerdict[] rows)
        where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        var replies = new SmtpReply[values.Length];
        foreach (var value in values)
        {
            var matching = rows.Where(r => r.Verdict is TEnum v && EqualityComparer<TEnum>.Default.Equals(v, value)).ToList();
            if (matching.Count != 1)
            {
                throw new InvalidOperationException($"GatewayVerdicts has {matching.Count} rows for {typeof(TEnum).Name}.{value}: give it exactly one.");
            }

            var index = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
            if (index < 0 || index >= values.Length)
            {
                throw new InvalidOperationException($"{typeof(TEnum).Name} values must run from 0 without gaps.");
            }

            replies[index] = matching[0].Reply;
        }

        return replies;
    }
}

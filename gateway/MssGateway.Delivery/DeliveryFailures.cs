namespace MssGateway.Delivery;

/// <summary>
/// The status and label of each <see cref="DeliveryFailure"/>, declared once (STYLE.md "replies and reasons
/// are data"). Temporary failures are 4xx so the scheduler retries them; a domain off the liste blanche and a
/// loop are final. The text of a <see cref="DeliveryReply"/> made here is "label: detail".
/// </summary>
public static class DeliveryFailures
{
    private static readonly Dictionary<DeliveryFailure, (int Code, string Enhanced, string Label)> Table = new()
    {
        [DeliveryFailure.ConnectFailed] = (451, "4.4.1", "connect_failed"),
        [DeliveryFailure.ConnectionLost] = (451, "4.4.2", "connection_lost"),
        [DeliveryFailure.DestinationDead] = (451, "4.4.1", "destination_dead"),
        [DeliveryFailure.StartTlsNotOffered] = (451, "4.7.10", "starttls_not_offered"),
        [DeliveryFailure.PeerCertificateMissing] = (451, "4.7.5", "peer_cert_missing"),
        [DeliveryFailure.PeerNameMismatch] = (451, "4.7.5", "peer_name_mismatch"),
        [DeliveryFailure.PeerCertificateUntrusted] = (451, "4.7.5", "peer_cert_untrusted"),
        [DeliveryFailure.PeerNotListed] = (451, "4.7.5", "peer_not_listed"),
        [DeliveryFailure.DomainNotAuthorised] = (550, "5.7.1", "domain_not_authorised"),
        [DeliveryFailure.MailLoop] = (554, "5.4.6", "mail_loop"),
        [DeliveryFailure.DeliveryError] = (451, "4.3.0", "delivery_error"),
        [DeliveryFailure.DirectoryUnavailable] = (451, "4.4.3", "directory_unavailable"),
    };

    /// <summary>Every failure (enum order), for documentation and tests.</summary>
    public static IReadOnlyList<DeliveryFailure> All { get; } = Enum.GetValues<DeliveryFailure>();

    /// <summary>The reply for <paramref name="failure"/>: its status, and "label: detail" as text.</summary>
    public static DeliveryReply Reply(DeliveryFailure failure, string detail)
    {
        var (code, enhanced, label) = Table[failure];
        return new DeliveryReply(code, enhanced, $"{label}: {detail}");
    }

    public static int Code(this DeliveryFailure failure) => Table[failure].Code;

    public static string EnhancedCode(this DeliveryFailure failure) => Table[failure].Enhanced;

    public static string ToLabel(this DeliveryFailure failure) => Table[failure].Label;

    /// <summary>The delivery failure a next hop's certificate refusal is reported as.</summary>
    public static DeliveryFailure ToFailure(this PeerRefusal refusal) => refusal switch
    {
        PeerRefusal.CertificateUntrusted => DeliveryFailure.PeerCertificateUntrusted,
        PeerRefusal.DomainNotAuthorised => DeliveryFailure.DomainNotAuthorised,
        PeerRefusal.NotListed => DeliveryFailure.PeerNotListed,
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, null),
    };

    public static string ToLabel(this PeerRefusal refusal) => refusal.ToFailure().ToLabel();
}

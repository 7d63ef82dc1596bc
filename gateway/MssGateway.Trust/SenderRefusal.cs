namespace MssGateway.Trust;

/// <summary>
/// Why <see cref="SenderBinding"/> refuses a reverse path for a trusted certificate (domain.md
/// "authorised-domain list"). The host maps each value to its SMTP reply; labels in <see cref="TrustLabels"/>.
/// </summary>
public enum SenderRefusal
{
    /// <summary>Not a mailbox of the holder, of the structure, or of a domain listing the operator's DN (<c>sender_not_bound</c>).</summary>
    NotBound,

    /// <summary>An operator certificate's sender domain is not on the liste blanche (<c>domain_not_authorised</c>).</summary>
    DomainNotAuthorised,
}

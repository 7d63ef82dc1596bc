using MssGateway.Directory;

namespace MssGateway.Trust;

/// <summary>
/// Binds MAIL FROM to the client certificate (DESIGN.md §3 <c>sender_not_bound</c>, domain.md
/// "authorised-domain list"): with a CPS card the sender must be a mailbox the directory lists for
/// the card's national identifier; with an operator server certificate the sender's domain must be on
/// the liste blanche with the certificate's subject DN among its DNCertificatOperateur; with an
/// organisation certificate the sender must be a mailbox of the certificate's structure.
/// </summary>
public sealed class SenderBinding
{
    private readonly IMailboxDirectory _directory;

    public SenderBinding(IMailboxDirectory directory)
    {
        _directory = directory;
    }

    /// <summary>Null when <paramref name="mailFrom"/> may be used with this certificate, else the refusal.</summary>
    /// <param name="identity">The identity of a trusted certificate (<see cref="CertificateVerdict.Identity"/>).</param>
    /// <param name="mailFrom">The reverse path without angle brackets; empty for the null sender.</param>
    public async ValueTask<SenderRefusal?> CheckAsync(CertificateIdentity identity, string mailFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(mailFrom);
        var address = mailFrom.Trim().Trim('<', '>');
        switch (identity.Kind)
        {
            case CertificateKind.PersonalCps when identity.NationalIdentifier is { } id:
                if (address.Length == 0)
                {
                    return SenderRefusal.NotBound; // a person's card does not send bounces
                }

                var key = AddressKey.Normalise(address);
                var mailboxes = await _directory.FindByNationalIdentifierAsync(id, cancellationToken).ConfigureAwait(false);
                return mailboxes.Any(m => string.Equals(m.Address, key, StringComparison.Ordinal)) ? null : SenderRefusal.NotBound;

            case CertificateKind.Server:
                if (address.Length == 0)
                {
                    return null; // delivery status notifications (RFC 3464) travel with the null sender
                }

                var domain = AddressKey.DomainOf(address);
                var authorised = domain.Length == 0 ? null : await _directory.FindAuthorisedDomainAsync(domain, cancellationToken).ConfigureAwait(false);
                if (authorised is null)
                {
                    return SenderRefusal.DomainNotAuthorised;
                }

                return SubjectListed(identity.Subject, authorised.OperatorCertificateSubjects) ? null : SenderRefusal.NotBound;

            case CertificateKind.Organisation when identity.StructureIdentifier is { } structure:
                if (address.Length == 0)
                {
                    return SenderRefusal.NotBound;
                }

                var entry = await _directory.FindByAddressAsync(address, cancellationToken).ConfigureAwait(false);
                return entry?.StructureIdentifier is { } s && string.Equals(s.Trim(), structure.Trim(), StringComparison.OrdinalIgnoreCase)
                    ? null
                    : SenderRefusal.NotBound;

            default:
                return SenderRefusal.NotBound;
        }
    }

    /// <summary>True when <paramref name="subject"/> (RFC 2253) is one of the listed DNs, compared semantically.</summary>
    public static bool SubjectListed(string subject, IEnumerable<string> listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        var dn = DistinguishedName.TryParse(subject);
        if (dn is null)
        {
            return false;
        }

        foreach (var text in listed)
        {
            if (DistinguishedName.TryParse(text) is { } other && dn.SemanticEquals(other))
            {
                return true;
            }
        }

        return false;
    }
}

using MimeKit;
using MssGateway.Directory;
using MssGateway.Trust;

namespace MssGateway.Policy;

/// <summary>
/// Sender binding without bypass (issue 12 rule 1, DESIGN.md §3 "Null sender"): every transaction is
/// bound to the client certificate, the null sender included, and so is the message's own header.
/// <list type="bullet">
/// <item>MAIL FROM with an address: the trust engine's <see cref="SenderBinding"/> (the holder's mailbox for
/// a CPS, a domain listing the peer's DN for an operator, a mailbox of the structure for an organisation).</item>
/// <item>MAIL FROM:&lt;&gt;: from an operator or organisation certificate whose subject DN the liste blanche lists
/// for at least one domain; from an organisation certificate not listed, only if its From header then proves
/// the binding through the directory (a mailbox of its structure); from a personal CPS only for a
/// multipart/report (RFC 3464 DSN, RFC 8098 MDN), decided at end of data.</item>
/// <item>The header: exactly one From field, every mailbox in it (groups included) bound as above, at
/// most one Sender field, bound too, and no display name holding an address other than a bound one
/// (the name is what a reader sees) — whatever MAIL FROM said.</item>
/// </list>
/// The kind of holder is the trust engine's <see cref="CertificateIdentity.Kind"/>.
/// </summary>
public sealed class SenderBindingPolicy
{
    private static readonly ParserOptions StrictAddresses = CreateAddressOptions();

    private readonly IMailboxDirectory _directory;
    private readonly SenderBinding _binding;
    private ListedSubjects? _listed;

    public SenderBindingPolicy(IMailboxDirectory directory, SenderBinding binding)
    {
        _directory = directory ?? throw new ArgumentNullException(nameof(directory));
        _binding = binding ?? throw new ArgumentNullException(nameof(binding));
    }

    /// <summary>The decision at MAIL FROM for a trusted certificate's <paramref name="identity"/>; <paramref name="mailFrom"/> is empty for the null sender.</summary>
    public async ValueTask<MailFromBinding> CheckMailFromAsync(CertificateIdentity identity, string mailFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(mailFrom);
        if (mailFrom.Length > 0)
        {
            var refusal = await _binding.CheckAsync(identity, mailFrom, cancellationToken).ConfigureAwait(false);
            if (refusal is null)
            {
                return MailFromBinding.Bound;
            }

            return refusal == SenderRefusal.NotBound
                ? MailFromBinding.Violated(new SenderBindingViolation(PolicyRefusal.SenderNotBound, mailFrom, $"MAIL FROM is not bound to the {KindText(identity)}"))
                : MailFromBinding.Refused(refusal.Value); // domain_not_authorised: the liste blanche holds whatever the mode
        }

        switch (identity.Kind)
        {
            case CertificateKind.PersonalCps:
                return MailFromBinding.NeedsReport;
            case CertificateKind.Server or CertificateKind.Organisation when await IsListedOperatorAsync(identity.Subject, cancellationToken).ConfigureAwait(false):
                return MailFromBinding.Bound;
            case CertificateKind.Organisation when !string.IsNullOrWhiteSpace(identity.StructureIdentifier):
                // Bound through the directory if at all: the From check at end of data needs a mailbox of the structure.
                return MailFromBinding.Bound;
            default:
                return MailFromBinding.Violated(new SenderBindingViolation(PolicyRefusal.SenderNotBound, null, $"null sender from a {KindText(identity)} bound to no authorised domain"));
        }
    }

    /// <summary>The decision at end of data: null when bound, else the violation (refused or tagged by the caller's mode).</summary>
    public async ValueTask<SenderBindingViolation?> CheckMessageAsync(CertificateIdentity identity, MailFromBinding mailFrom, MessageHeaderFacts facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(mailFrom);
        ArgumentNullException.ThrowIfNull(facts);
        if (mailFrom.RequiresReport && !facts.IsDeliveryOrDispositionReport)
        {
            return new SenderBindingViolation(PolicyRefusal.SenderNotBound, null, "null sender from a personal card on a message that is not a multipart/report (RFC 3464, RFC 8098)");
        }

        if (facts.FromFields.Count != 1)
        {
            return NotBound(null, $"{facts.FromFields.Count} From fields (RFC 5322 §3.6: exactly one)");
        }

        var from = Parse(facts.FromFields[0]);
        if (from is null)
        {
            return NotBound(null, "From field is not a list of mailboxes");
        }

        if (from.Count == 0)
        {
            return NotBound(null, "From field holds no mailbox");
        }

        foreach (var mailbox in from)
        {
            if (!await IsBoundAsync(identity, mailbox.Address, cancellationToken).ConfigureAwait(false))
            {
                return NotBound(mailbox.Address, $"From mailbox not bound to the {KindText(identity)}");
            }
        }

        IReadOnlyList<MailboxAddress> sender = [];
        if (facts.SenderFields.Count > 1)
        {
            return NotBound(null, $"{facts.SenderFields.Count} Sender fields (RFC 5322 §3.6: at most one)");
        }

        if (facts.SenderFields.Count == 1)
        {
            sender = Parse(facts.SenderFields[0]) ?? [];
            if (sender.Count != 1)
            {
                return NotBound(null, "Sender field is not one mailbox");
            }

            if (!await IsBoundAsync(identity, sender[0].Address, cancellationToken).ConfigureAwait(false))
            {
                return NotBound(sender[0].Address, $"Sender mailbox not bound to the {KindText(identity)}");
            }
        }

        var bound = from.Concat(sender).Select(m => AddressKey.Normalise(m.Address)).ToHashSet(StringComparer.Ordinal);
        foreach (var mailbox in from.Concat(sender))
        {
            if (ForeignAddressInName(mailbox.Name, bound) is { } shown)
            {
                return NotBound(shown, "display name shows an address that is not a bound mailbox");
            }
        }

        return null;
    }

    private static SenderBindingViolation NotBound(string? address, string detail) => new(PolicyRefusal.HeaderFromNotBound, address, detail);

    /// <summary>A mailbox is bound as a MAIL FROM would be; for an organisation certificate also through the liste blanche (its DN listed for the domain).</summary>
    private async ValueTask<bool> IsBoundAsync(CertificateIdentity identity, string address, CancellationToken cancellationToken)
    {
        if (address.Length == 0)
        {
            return false;
        }

        if (await _binding.CheckAsync(identity, address, cancellationToken).ConfigureAwait(false) is null)
        {
            return true;
        }

        if (identity.Kind != CertificateKind.Organisation)
        {
            return false;
        }

        var domain = AddressKey.DomainOf(address);
        var authorised = domain.Length == 0 ? null : await _directory.FindAuthorisedDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        return authorised is not null && SenderBinding.SubjectListed(identity.Subject, authorised.OperatorCertificateSubjects);
    }

    /// <summary>True when the liste blanche lists <paramref name="subject"/> for at least one domain.</summary>
    private async ValueTask<bool> IsListedOperatorAsync(string subject, CancellationToken cancellationToken)
    {
        var source = await _directory.GetOperatorCertificateSubjectsAsync(cancellationToken).ConfigureAwait(false);
        var listed = Volatile.Read(ref _listed);
        if (listed is null || !ReferenceEquals(listed.Source, source))
        {
            // Parsed once per list (the directory hands out the same instance until the list changes).
            listed = new ListedSubjects(source, source.Select(DistinguishedName.TryParse).OfType<DistinguishedName>().ToArray());
            Volatile.Write(ref _listed, listed);
        }

        var dn = DistinguishedName.TryParse(subject);
        return dn is not null && listed.Names.Any(dn.SemanticEquals);
    }

    /// <summary>
    /// The From/Sender value as mailboxes, groups flattened, or null when it does not parse strictly: an
    /// address MimeKit only guesses at is one a client may read differently.
    /// </summary>
    private static List<MailboxAddress>? Parse(byte[] raw)
    {
        if (!InternetAddressList.TryParse(StrictAddresses, raw, out var list))
        {
            return null;
        }

        var mailboxes = list.Mailboxes.ToList();
        return mailboxes.Any(m => m.Address.Length == 0 || !m.Address.Contains('@', StringComparison.Ordinal)) ? null : mailboxes;
    }

    /// <summary>An address shown in a display name (encoded words decoded) that is not one of the bound mailboxes, or null.</summary>
    private static string? ForeignAddressInName(string? name, HashSet<string> bound)
    {
        if (string.IsNullOrEmpty(name) || !name.Contains('@', StringComparison.Ordinal))
        {
            return null;
        }

        foreach (var word in name.Split([' ', '\t', '<', '>', '(', ')', '[', ']', '"', '\'', ',', ';', ':'], StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = word.TrimEnd('.');
            if (candidate.Contains('@', StringComparison.Ordinal) && !bound.Contains(AddressKey.Normalise(candidate)))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string KindText(CertificateIdentity identity) => identity.Kind switch
    {
        CertificateKind.PersonalCps => "holder of the personal card",
        CertificateKind.Server => "operator server certificate",
        CertificateKind.Organisation => "organisation certificate",
        _ => "certificate of unknown kind",
    };

    private static ParserOptions CreateAddressOptions()
    {
        var options = ParserOptions.Default.Clone();
        options.AddressParserComplianceMode = RfcComplianceMode.Strict;
        options.AllowAddressesWithoutDomain = false;
        options.AllowUnquotedCommasInAddresses = false;
        return options;
    }

    private sealed record ListedSubjects(IReadOnlyCollection<string> Source, DistinguishedName[] Names);
}

using System.Security.Cryptography.X509Certificates;
using MssGateway.Delivery;
using MssGateway.Directory;
using MssGateway.Trust;

namespace MssGateway.Host;

/// <summary>
/// Outbound rule of DESIGN.md §3: the next hop's certificate must chain to IGC-Santé (serverAuth,
/// revocation) and its subject DN must be listed for the recipient's domain in the liste blanche —
/// or nothing is sent.
/// </summary>
public sealed class TrustPeerCertificateValidator : IPeerCertificateValidator
{
    private readonly ICertificateTrustEngine _engine;
    private readonly IMailboxDirectory _directory;

    public TrustPeerCertificateValidator(ICertificateTrustEngine engine, IMailboxDirectory directory)
    {
        _engine = engine;
        _directory = directory;
    }

    public async ValueTask<PeerVerdict> ValidateAsync(X509Certificate2 peer, X509Certificate2Collection extra, string expectedDomain, CancellationToken ct)
    {
        var verdict = await _engine.ValidateAsync(peer, extra, CertificateUsage.ServerAuth, null, ct);
        if (!verdict.IsTrusted)
        {
            return PeerVerdict.Reject(PeerRefusal.CertificateUntrusted, verdict.Reason);
        }

        var authorised = await _directory.FindAuthorisedDomainAsync(expectedDomain, ct);
        if (authorised is null)
        {
            return PeerVerdict.Reject(PeerRefusal.DomainNotAuthorised, expectedDomain);
        }

        return SenderBinding.SubjectListed(verdict.Identity!.Subject, authorised.OperatorCertificateSubjects)
            ? PeerVerdict.Trust()
            : PeerVerdict.Reject(PeerRefusal.NotListed, verdict.Identity.Subject);
    }
}

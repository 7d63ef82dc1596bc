using System.Security.Cryptography.X509Certificates;
using MssGateway.Directory;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// The test stand-in for the trust engine's adapter: the peer must chain to the given roots
/// (X509Chain with CustomRootTrust) and its subject DN must be listed for the domain in the
/// directory's liste blanche.
/// </summary>
public sealed class ChainPeerValidator(X509Certificate2Collection roots, IMailboxDirectory directory) : IPeerCertificateValidator
{
    public int Calls;

    /// <summary>When set, every verdict is this refusal (a peer delisted or revoked while its connection is pooled).</summary>
    public PeerRefusal? Refuse { get; set; }

    public async ValueTask<PeerVerdict> ValidateAsync(X509Certificate2 peer, X509Certificate2Collection extra, string expectedDomain, CancellationToken ct)
    {
        Interlocked.Increment(ref Calls);
        if (Refuse is { } reason)
        {
            return PeerVerdict.Reject(reason, "test");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.ExtraStore.AddRange(extra);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(peer))
        {
            return PeerVerdict.Reject(PeerRefusal.CertificateUntrusted, string.Join("; ", chain.ChainStatus.Select(s => s.Status)));
        }

        var listed = await directory.FindAuthorisedDomainAsync(expectedDomain, ct);
        return listed is not null && listed.OperatorCertificateSubjects.Contains(peer.Subject, StringComparer.OrdinalIgnoreCase)
            ? PeerVerdict.Trust()
            : PeerVerdict.Reject(PeerRefusal.NotListed, "subject DN not listed for " + expectedDomain);
    }
}

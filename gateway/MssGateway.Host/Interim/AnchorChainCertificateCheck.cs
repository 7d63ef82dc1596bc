using System.Security.Cryptography.X509Certificates;
using MssGateway.Smtp;

namespace MssGateway.Host.Interim;

/// <summary>Until the trust engine is wired: the client certificate must chain to the configured anchors.</summary>
public sealed class AnchorChainCertificateCheck : IClientCertificateCheck
{
    private readonly X509Certificate2Collection _anchors = [];

    public AnchorChainCertificateCheck(string? anchorsFile)
    {
        if (anchorsFile is not null)
        {
            _anchors.ImportFromPemFile(anchorsFile);
        }
    }

    public ValueTask<(ClientIdentity? Identity, SmtpReply? Refusal)> CheckAsync(X509Certificate2 certificate, X509Certificate2Collection sentChain, string listener, CancellationToken cancellationToken)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        foreach (var a in _anchors)
        {
            if (a.SubjectName.RawData.AsSpan().SequenceEqual(a.IssuerName.RawData))
            {
                chain.ChainPolicy.CustomTrustStore.Add(a);
            }
            else
            {
                chain.ChainPolicy.ExtraStore.Add(a);
            }
        }

        chain.ChainPolicy.ExtraStore.AddRange(sentChain);
        if (!chain.Build(certificate))
        {
            return ValueTask.FromResult<(ClientIdentity?, SmtpReply?)>((null, new SmtpReply(535, "5.7.8", "client_cert_untrusted", "Client certificate not trusted")));
        }

        var cn = certificate.GetNameInfo(X509NameType.SimpleName, false);
        return ValueTask.FromResult<(ClientIdentity?, SmtpReply?)>((new ClientIdentity { Subject = certificate.Subject, SerialNumber = certificate.SerialNumber, Identifier = cn }, null));
    }
}

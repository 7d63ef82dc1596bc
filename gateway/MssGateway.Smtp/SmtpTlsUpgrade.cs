using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Smtp;

/// <summary>
/// The TLS handshake over a connection's pipes (DESIGN.md §6: pipe → stream adapter → SslStream →
/// new pipes), shared by STARTTLS (RFC 3207) and implicit TLS (RFC 8314). The platform only collects
/// what the client sent; the product's hooks judge the certificate after the handshake, on every
/// session, resumed ones included (a resumed session carries the certificate of the session it
/// resumes, and a since-revoked card is refused like on a full handshake).
/// </summary>
internal static class SmtpTlsUpgrade
{
    /// <summary>Handshakes as the server; returns the TLS connection, or null (logged and counted) when it failed.</summary>
    public static async Task<SmtpTlsConnection?> AuthenticateAsync(SmtpServer server, SmtpListenerOptions listener, SmtpSessionInfo info, IDuplexPipe transport)
    {
        var tls = server.Tls;
        if (tls is null)
        {
            SmtpLog.TlsFailed(server.Logger, listener.Name, info.RemoteEndPoint?.Address.ToString(), info.Id, "no server certificate configured");
            return null;
        }

        var ssl = new SslStream(new DuplexPipeStream(transport.Input, transport.Output), leaveInnerStreamOpen: false);
        X509Certificate2Collection sentChain = [];
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = tls.ServerCertificate,
            ClientCertificateRequired = listener.ClientCertificate != ClientCertificateMode.None,
            EnabledSslProtocols = tls.Protocols,
            CipherSuitesPolicy = tls.CipherSuitesPolicy,
            AllowTlsResume = tls.Resumption,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            AllowRenegotiation = false,
            // Never download AIA here (domain.md). An empty custom root store keeps the system's ~140
            // roots out of the OpenSSL store SslStream builds for every handshake (a quarter of the CPU
            // of a one-message session: docs/benchmarks.md "Profile").
            CertificateChainPolicy = ChainPolicyFor(tls),
            RemoteCertificateValidationCallback = (_, _, chain, _) =>
            {
                if (chain is not null)
                {
                    // The certificates the client sent, as SslStream decoded them (X509_dup) for this chain:
                    // kept, not copied — a copy decodes each certificate once more through OpenSSL's
                    // decoders, a cost on every full handshake (docs/benchmarks.md "Profile (issue 18)").
                    // SslStream disposes the chain and its elements after the callback, not the store's
                    // certificates (TlsTests check the chain is readable after the handshake).
                    sentChain.AddRange(chain.ChainPolicy.ExtraStore);
                }

                return true;
            },
        };

        using var handshakeTimeout = new CancellationTokenSource(server.Options.Limits.TlsHandshakeTimeout, server.Time);
        try
        {
            await ssl.AuthenticateAsServerAsync(options, handshakeTimeout.Token);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            server.Metrics.TlsHandshake(listener.Name, ex is OperationCanceledException ? "timeout" : "failed", "none");
            SmtpLog.TlsFailed(server.Logger, listener.Name, info.RemoteEndPoint?.Address.ToString(), info.Id, ex.GetBaseException().Message);
            server.Hooks.OnTlsHandshakeFailed(info, ex);
            info.TlsFailedByClient = ex is not IOException; // a peer that closed mid-handshake (a TCP probe) commits no offence
            await ssl.DisposeAsync();
            Release(sentChain);
            return null;
        }

        if (!tls.IsAllowed(ssl.NegotiatedCipherSuite))
        {
            // Resumption needs the platform's cached context, which takes no suite list (SmtpTlsSettings):
            // the list is enforced here, before any SMTP octet moves over the session.
            server.Metrics.TlsHandshake(listener.Name, "cipher_refused", ProtocolName(ssl.SslProtocol));
            SmtpLog.TlsFailed(server.Logger, listener.Name, info.RemoteEndPoint?.Address.ToString(), info.Id, $"cipher suite {ssl.NegotiatedCipherSuite} is not allowed");
            info.TlsFailedByClient = true;
            await ssl.DisposeAsync();
            Release(sentChain);
            return null;
        }

        var client = ssl.RemoteCertificate switch
        {
            null => null,
            X509Certificate2 c2 => c2,
            var c => X509CertificateLoader.LoadCertificate(c.GetRawCertData()),
        };
        if (client is not null)
        {
            for (var i = sentChain.Count - 1; i >= 0; i--)
            {
                if (sentChain[i].RawDataMemory.Span.SequenceEqual(client.RawDataMemory.Span))
                {
                    sentChain[i].Dispose();
                    sentChain.RemoveAt(i);
                }
            }
        }

        server.Metrics.TlsHandshake(listener.Name, "ok", ProtocolName(ssl.SslProtocol));
        return new SmtpTlsConnection(ssl, client, sentChain);
    }

    /// <summary>The certificates of a handshake that did not become a session: nothing else owns them.</summary>
    private static void Release(X509Certificate2Collection certificates)
    {
        foreach (var c in certificates)
        {
            c.Dispose();
        }
    }

    private static X509ChainPolicy ChainPolicyFor(SmtpTlsSettings tls)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
            VerificationFlags = X509VerificationFlags.AllFlags,
        };
        policy.CustomTrustStore.AddRange(tls.ChainRoots);
        return policy;
    }

    private static string ProtocolName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };
}

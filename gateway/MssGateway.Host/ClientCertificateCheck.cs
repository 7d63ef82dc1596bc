using System.Security.Cryptography.X509Certificates;
using MssGateway.Smtp;
using MssGateway.Trust;

namespace MssGateway.Host;

/// <summary>
/// The session hooks that involve the client certificate (DESIGN.md §1: "TLS handshake → client
/// identity", "MAIL FROM → sender bound to the certificate's holder?"): an adapter from the SMTP engine's
/// hooks to the trust engine, so it lives in the host beside its delivery twin
/// (<see cref="TrustPeerCertificateValidator"/>). The trust engine answers in its own vocabulary
/// (<see cref="CertificateRefusal"/>, <see cref="SenderRefusal"/>); <see cref="GatewayVerdicts"/> gives the
/// reply. The verdict is kept in <see cref="SmtpSessionInfo.Items"/> under <see cref="VerdictItem"/> for
/// the Authentication-Results header and the session log.
/// </summary>
public sealed class ClientCertificateCheck
{
    /// <summary>Key of the <see cref="CertificateVerdict"/> in <see cref="SmtpSessionInfo.Items"/>.</summary>
    public const string VerdictItem = "mssgw.trust.client_certificate";

    private readonly ICertificateTrustEngine _engine;
    private readonly SenderBinding _binding;

    public ClientCertificateCheck(ICertificateTrustEngine engine, SenderBinding binding)
    {
        _engine = engine;
        _binding = binding;
    }

    /// <summary>After the handshake: validates the client certificate for the listener; a refusal ends the session.</summary>
    public ValueTask<SmtpReply?> OnTlsEstablishedAsync(SmtpSessionInfo session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return CheckCertificateAsync(session.ClientCertificate, session.ClientCertificateChain, session.Listener.ClientCertificate, session.Listener.Name, session.Items, cancellationToken);
    }

    /// <summary>At MAIL FROM: the sender must be bound to the certificate holder.</summary>
    public ValueTask<SmtpReply?> OnMailFromAsync(SmtpSessionInfo session, SmtpMailFrom mailFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(mailFrom);
        return CheckSenderAsync(mailFrom.Address, session.Listener.ClientCertificate, session.Items, cancellationToken);
    }

    /// <summary>
    /// The certificate decision. With <see cref="ClientCertificateMode.Require"/> a missing certificate is
    /// refused (client_cert_missing); with <see cref="ClientCertificateMode.Request"/> a session without one
    /// goes on, but a certificate that is presented must be valid.
    /// </summary>
    public async ValueTask<SmtpReply?> CheckCertificateAsync(X509Certificate2? certificate, X509Certificate2Collection? chain, ClientCertificateMode mode, string listenerName, IDictionary<string, object?> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (mode == ClientCertificateMode.None || (certificate is null && mode == ClientCertificateMode.Request))
        {
            return null;
        }

        var verdict = await _engine.ValidateAsync(certificate, chain, CertificateUsage.ClientAuth, null, listenerName, cancellationToken).ConfigureAwait(false);
        items[VerdictItem] = verdict;
        return ReplyFor(verdict);
    }

    /// <summary>The sender decision: bound to the holder of the trusted certificate of the session.</summary>
    public async ValueTask<SmtpReply?> CheckSenderAsync(string mailFrom, ClientCertificateMode mode, IDictionary<string, object?> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.TryGetValue(VerdictItem, out var v) && v is CertificateVerdict verdict)
        {
            if (!verdict.IsTrusted)
            {
                return ReplyFor(verdict);
            }

            return await _binding.CheckAsync(verdict.Identity!, mailFrom, cancellationToken).ConfigureAwait(false) is { } refusal
                ? GatewayVerdicts.Reply(refusal)
                : null;
        }

        // No certificate checked: acceptable only where the listener does not require one.
        return mode == ClientCertificateMode.Require ? GatewayVerdicts.Reply(CertificateRefusal.Missing) : null;
    }

    /// <summary>The reply for a certificate verdict: null when trusted.</summary>
    public static SmtpReply? ReplyFor(CertificateVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        return verdict.Refusal is { } refusal ? GatewayVerdicts.Reply(refusal) : null;
    }
}

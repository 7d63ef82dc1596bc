namespace MssGateway.Policy;

/// <summary>What the policy needs to know of the SMTP session and transaction for one message.</summary>
public sealed record MessagePolicyContext
{
    /// <summary>Listener name (bounded: the configured names), for logs.</summary>
    public required string ListenerName { get; init; }

    /// <summary>The listener's <c>SmimePolicy</c>.</summary>
    public SmimePolicy SmimePolicy { get; init; } = SmimePolicy.Tag;

    /// <summary>Subject DN of the client certificate of the session (RFC 4514 text), or null when none.</summary>
    public string? ClientCertificateSubject { get; init; }

    /// <summary>National identifier mapped from the client certificate (CPS CN), or null.</summary>
    public string? ClientNationalIdentifier { get; init; }

    /// <summary>Structure identifier (idNatStruct) of an organisation or operator server certificate, or null.</summary>
    public string? ClientStructureIdentifier { get; init; }

    /// <summary>"TLSv1.3", "TLSv1.2", or null for a plaintext session.</summary>
    public string? TlsVersion { get; init; }

    /// <summary>IANA name of the negotiated cipher suite (e.g. TLS_AES_256_GCM_SHA384), or null.</summary>
    public string? TlsCipher { get; init; }

    /// <summary>MAIL FROM address (empty for the null reverse-path).</summary>
    public string EnvelopeSender { get; init; } = string.Empty;

    /// <summary>
    /// The trusted client certificate's holder, for sender binding (issue 12 rule 1); null when the session
    /// has no trusted certificate (a listener that asks for none): nothing is then bound.
    /// </summary>
    public MssGateway.Trust.CertificateIdentity? ClientIdentity { get; init; }

    /// <summary>The listener's <c>SenderBinding</c> mode.</summary>
    public SenderBindingMode SenderBinding { get; init; } = SenderBindingMode.Enforce;

    /// <summary>What MAIL FROM binding decided for this transaction (null without <see cref="ClientIdentity"/>).</summary>
    public MailFromBinding? MailFromBinding { get; init; }

    /// <summary>When the message was received (the S/MIME signing time window counts back from it); null = now.</summary>
    public DateTimeOffset? ReceivedAt { get; init; }
}

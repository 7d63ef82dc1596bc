namespace MssGateway.Trust;

/// <summary>
/// What a certificate is being checked for. Each flag requires the matching extended key usage
/// (configurable, <see cref="TrustOptions.ClientAuthExtendedKeyUsages"/> …) and a compatible key usage.
/// </summary>
[Flags]
public enum CertificateUsage
{
    None = 0,

    /// <summary>TLS client authentication (a CPS card or an operator's MTA connecting to us).</summary>
    ClientAuth = 1,

    /// <summary>TLS server authentication (the next hop we deliver to).</summary>
    ServerAuth = 2,

    /// <summary>S/MIME signature (signer certificates of messages).</summary>
    EmailProtection = 4,
}

namespace MssGateway.Delivery;

/// <summary>The EHLO/LHLO keywords the delivery side uses (RFC 5321 §4.1.1.1 and the extension RFCs).</summary>
[Flags]
internal enum PeerExtensions
{
    None = 0,

    /// <summary>RFC 2920: commands sent in groups, replies read after.</summary>
    Pipelining = 1 << 0,

    /// <summary>RFC 1870: SIZE=n on MAIL, and the peer's limit.</summary>
    Size = 1 << 1,

    /// <summary>RFC 6152: BODY=8BITMIME.</summary>
    EightBitMime = 1 << 2,

    /// <summary>RFC 6531: SMTPUTF8 addresses and headers.</summary>
    SmtpUtf8 = 1 << 3,

    /// <summary>RFC 3461: NOTIFY, ORCPT, RET, ENVID.</summary>
    Dsn = 1 << 4,

    /// <summary>RFC 3030: BDAT, the message sent with its length instead of dot-stuffed.</summary>
    Chunking = 1 << 5,

    /// <summary>RFC 3207.</summary>
    StartTls = 1 << 6,

    /// <summary>RFC 2034.</summary>
    EnhancedStatusCodes = 1 << 7,
}

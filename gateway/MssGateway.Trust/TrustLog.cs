using Microsoft.Extensions.Logging;

namespace MssGateway.Trust;

/// <summary>Log events of the trust component (LoggerMessage source generator). Subjects and serials are logged, never addresses' mail content.</summary>
internal static partial class TrustLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Certificate refused: {Reason} ({Check}) subject={Subject} serial={Serial} issuer={Issuer} usage={Usage}: {Detail}")]
    public static partial void CertificateRefused(ILogger logger, string reason, string check, string subject, string serial, string issuer, CertificateUsage usage, string detail);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Certificate trusted: subject={Subject} serial={Serial} kind={Kind} usage={Usage} cached={Cached}: {Detail}")]
    public static partial void CertificateTrusted(ILogger logger, string subject, string serial, CertificateKind kind, CertificateUsage usage, bool cached, string detail);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Trust anchors loaded: {Anchors} anchors, {Intermediates} intermediates, {TrustedListCertificates} from the trusted list")]
    public static partial void AnchorsLoaded(ILogger logger, int anchors, int intermediates, int trustedListCertificates);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Trust anchors not reloaded (the previous set stays in use): {Error}")]
    public static partial void AnchorReloadFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Trusted list {Path} refused: {Error}")]
    public static partial void TrustedListRefused(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "CRL of {IssuerCa} from {Source}: thisUpdate {ThisUpdate:O}, nextUpdate {NextUpdate:O}")]
    public static partial void CrlUpdated(ILogger logger, string issuerCa, string source, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "CRL from {Source} not refreshed: {Error}; next attempt {NextAttempt:O}")]
    public static partial void CrlRefreshFailed(ILogger logger, string source, string error, DateTimeOffset nextAttempt);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "CRL from {Source} refused: its signature does not verify with the key of {IssuerCa}")]
    public static partial void CrlRefused(ILogger logger, string source, string issuerCa);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "CRL cache entry {Path} ignored: {Error}")]
    public static partial void CrlCacheEntryIgnored(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Error, Message = "CRL cache in {Directory} not written: {Error}")]
    public static partial void CrlCacheWriteFailed(ILogger logger, string directory, string error);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Trust refresh failed: {Error}")]
    public static partial void RefreshFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Error, Message = "CRL from {Source} refused ({Cause}): {Detail}")]
    public static partial void CrlRejected(ILogger logger, string source, string cause, string detail);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Information, Message = "Delta CRL of {IssuerCa} from {Source}: number {CrlNumber}, base {BaseCrlNumber}, nextUpdate {NextUpdate:O} (applied to its base CRL only)")]
    public static partial void DeltaCrlUpdated(ILogger logger, string issuerCa, string source, string crlNumber, string baseCrlNumber, DateTimeOffset? nextUpdate);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Warning, Message = "OCSP response from {Responder} not used ({Detail}): {Why}")]
    public static partial void OcspResponseRefused(ILogger logger, string responder, string detail, string why);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "OCSP request to {Responder} failed: {Error}")]
    public static partial void OcspFailed(ILogger logger, string responder, string error);
}

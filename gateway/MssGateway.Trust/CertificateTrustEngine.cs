using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MssGateway.Trust;

/// <summary>
/// The trust engine (DESIGN.md §2 "Trust", issues 3 and 12): path validation to the configured anchors,
/// name and policy constraints, key usages and policies, revocation of the end certificate and of its
/// CAs from cached CRLs (and OCSP when enabled), identity of the holder with its kind from the issuing CA. Verdicts are cached per certificate and chain until
/// a CRL or the anchors change, so a TLS handshake costs no network round trip.
/// </summary>
public sealed class CertificateTrustEngine : ICertificateTrustEngine, IDisposable
{
    private readonly TrustOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TrustMetrics _metrics;
    private readonly TrustAnchorStore _anchors;
    private readonly CrlStore _crls;
    private readonly OcspClient? _ocsp;
    private readonly HolderKindMap _holderKinds;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ConcurrentDictionary<string, CachedVerdict> _cache = new(StringComparer.Ordinal);

    public CertificateTrustEngine(IOptions<TrustOptions> options, TrustMetrics metrics, ILogger<CertificateTrustEngine>? logger = null, TimeProvider? time = null, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        var validation = new TrustOptionsValidator().Validate(null, _options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(TrustOptions.SectionName, typeof(TrustOptions), validation.Failures);
        }

        _metrics = metrics;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = System.Net.DecompressionMethods.All });
        _anchors = new TrustAnchorStore(_options, _time, _logger);
        _crls = new CrlStore(_options.Revocation, () => _anchors.Current, _http, _time, _logger, metrics);
        _crls.RegisterDistributionPoints(_anchors.Current.Intermediates);
        _holderKinds = new HolderKindMap(_options.HolderKinds);
        if (_options.Revocation.UseOcsp)
        {
            _ocsp = new OcspClient(_options.Revocation, _http, _time, _logger, metrics, _crls.Check);
        }

        TrustLog.AnchorsLoaded(_logger, _anchors.Current.Anchors.Count, _anchors.Current.Intermediates.Count, _anchors.Current.TrustedList.CertificateCount);
        metrics.Observe(GetStatus);
    }

    public ValueTask<CertificateVerdict> ValidateAsync(X509Certificate2? leaf, X509Certificate2Collection? extra, CertificateUsage usage, DateTimeOffset? at, CancellationToken cancellationToken) =>
        ValidateAsync(leaf, extra, usage, at, null, cancellationToken);

    public async ValueTask<CertificateVerdict> ValidateAsync(X509Certificate2? leaf, X509Certificate2Collection? extra, CertificateUsage usage, DateTimeOffset? at, string? listenerName, CancellationToken cancellationToken)
    {
        if (leaf is null)
        {
            _metrics.CertificateChecked(CertificateRefusal.Missing.ToLabel());
            _metrics.CertificateRefused(CertificateRefusal.Missing.ToLabel(), CertificateCheckDetails.CertificateMissing);
            return CertificateVerdict.Refused(CertificateRefusal.Missing, null, "no certificate presented", CertificateCheckDetails.CertificateMissing);
        }

        IReadOnlyCollection<string>? policies = listenerName is not null && _options.PolicyOids.TryGetValue(listenerName, out var p) ? p : null;
        var anchorSet = _anchors.Current;
        var cacheKey = at is null && _options.VerdictCacheDuration > TimeSpan.Zero ? CacheKey(leaf, extra, usage, listenerName) : null;
        if (cacheKey is not null && _cache.TryGetValue(cacheKey, out var cached)
            && cached.AnchorGeneration == anchorSet.Generation && cached.CrlGeneration == _crls.Generation && cached.Expires > _time.GetUtcNow())
        {
            var verdict = cached.Verdict.AsCached();
            Record(verdict, usage);
            return verdict;
        }

        var crlGeneration = _crls.Generation;
        var result = await EvaluateAsync(leaf, extra, usage, at ?? _time.GetUtcNow(), policies, anchorSet, cancellationToken).ConfigureAwait(false);
        if (cacheKey is not null)
        {
            if (_cache.Count >= _options.VerdictCacheSize)
            {
                _cache.Clear();
            }

            // Never past the certificate's end, nor past the CRL or OCSP answers the verdict rests on.
            var expires = _time.GetUtcNow() + _options.VerdictCacheDuration;
            if (result.Identity is { } id && id.NotAfter < expires)
            {
                expires = id.NotAfter;
            }

            if (result.ValidUntil is { } until && until < expires)
            {
                expires = until;
            }

            // A verdict computed while a CRL arrived must not outlive that change: keep the older generation.
            _cache[cacheKey] = new CachedVerdict(result, anchorSet.Generation, Math.Min(crlGeneration, _crls.Generation), expires);
        }

        Record(result, usage);
        return result;
    }

    public TrustStatus GetStatus()
    {
        var set = _anchors.Current;
        var crls = _options.Revocation.Enabled ? _crls.GetStatus() : [];
        var byCa = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var c in crls)
        {
            if (c.IssuerCa is { } ca && c.NextUpdate is { } n && (!byCa.TryGetValue(ca, out var old) || n > old))
            {
                byCa[ca] = n;
            }
        }

        var tlStale = set.TrustedList.Configured && (set.TrustedList.Error is not null || set.TrustedList.NextUpdate < _time.GetUtcNow());
        return new TrustStatus
        {
            AnchorCount = set.Anchors.Count,
            IntermediateCount = set.Intermediates.Count,
            AnchorsLoadedAt = set.LoadedAt,
            TrustedListConfigured = set.TrustedList.Configured,
            TrustedListCertificateCount = set.TrustedList.CertificateCount,
            TrustedListNextUpdate = set.TrustedList.NextUpdate,
            TrustedListError = set.TrustedList.Error,
            AnchorError = _anchors.LastError,
            RevocationEnabled = _options.Revocation.Enabled,
            Crls = crls,
            CrlNextUpdateByCa = byCa,
            IsStale = tlStale || crls.Any(c => c.IsStale),
        };
    }

    /// <summary>
    /// One refresh round: reloads changed anchor files and the trusted list, re-reads changed CRL files,
    /// downloads CRLs whose time has come. Called by <see cref="TrustRefreshService"/>.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_anchors.ReloadIfChanged())
        {
            _cache.Clear();
            _crls.RegisterDistributionPoints(_anchors.Current.Intermediates);
        }

        await _crls.RefreshDueAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads every known CRL URL now, whatever its schedule (start-up, tests).</summary>
    public Task RefreshCrlsNowAsync(CancellationToken cancellationToken) => _crls.RefreshAllAsync(cancellationToken);

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async ValueTask<CertificateVerdict> EvaluateAsync(X509Certificate2 leafCert, X509Certificate2Collection? extraCerts, CertificateUsage usage, DateTimeOffset at, IReadOnlyCollection<string>? policies, TrustAnchorSet anchorSet, CancellationToken cancellationToken)
    {
        if (leafCert.PublicKey.Oid.Value == CertificateExtensions.LegacyCpsKeyAlgorithm)
        {
            return CertificateVerdict.Refused(CertificateRefusal.Untrusted, FallbackIdentity(leafCert), $"legacy proprietary key algorithm {CertificateExtensions.LegacyCpsKeyAlgorithm} (GIP-CPS CPS2ter) is not supported", CertificateCheckDetails.LegacyKeyAlgorithm);
        }

        TrustedCertificate leaf;
        try
        {
            leaf = new TrustedCertificate(leafCert);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or CryptographicException or System.Formats.Asn1.AsnContentException
            or Org.BouncyCastle.Security.Certificates.CertificateException or IOException)
        {
            return CertificateVerdict.Refused(CertificateRefusal.Untrusted, FallbackIdentity(leafCert), "certificate cannot be read: " + ex.Message, CertificateCheckDetails.Unreadable);
        }

        var extra = new List<TrustedCertificate>();
        foreach (var c in extraCerts ?? [])
        {
            try
            {
                if (c.Thumbprint != leafCert.Thumbprint)
                {
                    extra.Add(new TrustedCertificate(c));
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or ArgumentException or CryptographicException or System.Formats.Asn1.AsnContentException
                or Org.BouncyCastle.Security.Certificates.CertificateException or IOException)
            {
                // An unreadable extra certificate cannot be part of a path: skip it.
            }
        }

        // Until the path is validated the holder has no kind and no national identifier (refusal logs only).
        CertificateIdentity Provisional() => CertificateIdentityReader.Read(leafCert, leaf.Bc, leaf.SubjectName, leaf.IssuerName, leaf.Thumbprint, CertificateKind.Unknown);

        var built = CertificatePathValidator.Build(leaf, extra, anchorSet, _options.MaxPathLength);
        if (built.Path is null)
        {
            return CertificateVerdict.Refused(built.Refusal!.Value, Provisional(), built.Detail, built.Code);
        }

        var path = built.Path;
        var chain = path.Select(c => c.SubjectName.ToString()).ToArray();
        var checkedPath = CertificatePathValidator.Check(path, usage, at, _options, policies);
        if (checkedPath.Refusal is not null)
        {
            return CertificateVerdict.Refused(checkedPath.Refusal.Value, Provisional(), checkedPath.Detail, checkedPath.Code, chain);
        }

        DateTimeOffset? validUntil = null;
        if (_options.Revocation.Enabled)
        {
            // Only now, with a path to an anchor, are the distribution points worth a download.
            await _crls.EnsureDistributionPointsAsync(path.Take(path.Count - 1), cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < path.Count - 1; i++)
            {
                var r = _crls.Check(path[i], path[i + 1], at);
                if (r.State == RevocationState.Unknown && _ocsp is not null
                    && await _ocsp.CheckAsync(path[i], path[i + 1], at, cancellationToken).ConfigureAwait(false) is { } ocsp)
                {
                    r = ocsp;
                }

                var who = i == 0 ? "certificate" : $"CA '{path[i].CommonName}'";
                if (r.State == RevocationState.Revoked)
                {
                    return CertificateVerdict.Refused(CertificateRefusal.Revoked, Provisional(), $"{who} revoked: {r.Detail}", r.Code, chain);
                }

                if (r.State == RevocationState.Unknown)
                {
                    return CertificateVerdict.Refused(CertificateRefusal.RevocationUnknown, Provisional(), $"{who}: {r.Detail}", r.Code, chain);
                }

                if (r.ValidUntil is { } until && (validUntil is null || until < validUntil))
                {
                    validUntil = until;
                }
            }
        }

        // Who holds it comes from the issuing CA (or a CPS policy the path validates), never from the CN's shape.
        var (issuerKind, kindReason) = _holderKinds.Resolve(path, checkedPath.Policies!.LeafPolicies);
        var identity = CertificateIdentityReader.Read(leafCert, leaf.Bc, leaf.SubjectName, leaf.IssuerName, leaf.Thumbprint, issuerKind ?? CertificateKind.Organisation);
        return CertificateVerdict.Trusted(identity, chain, $"chains to '{path[^1].CommonName}' ({path.Count} certificates); kind {identity.Kind}: {kindReason}", validUntil);
    }

    private void Record(CertificateVerdict verdict, CertificateUsage usage)
    {
        _metrics.CertificateChecked(verdict.Reason);
        if (!verdict.IsTrusted)
        {
            _metrics.CertificateRefused(verdict.Reason, verdict.DetailCode);
        }

        var subject = verdict.Identity?.Subject ?? "?";
        var serial = verdict.Identity?.SerialNumber ?? "?";
        if (verdict.IsTrusted)
        {
            TrustLog.CertificateTrusted(_logger, subject, serial, verdict.Identity!.Kind, usage, verdict.FromCache, verdict.Detail);
        }
        else
        {
            TrustLog.CertificateRefused(_logger, verdict.Reason, verdict.DetailCode, subject, serial, verdict.Identity?.Issuer ?? "?", usage, verdict.Detail);
        }
    }

    // Used for certificates that could not be read: their names or validity times may not decode either
    // (a CryptographicException from the refusal path itself, e.g. for a bad notAfter, was a fuzzing finding).
    private static CertificateIdentity FallbackIdentity(X509Certificate2 cert) => new()
    {
        Kind = CertificateKind.Unknown,
        Subject = OrFallback(() => cert.SubjectName.Name, "?"),
        Issuer = OrFallback(() => cert.IssuerName.Name, "?"),
        SerialNumber = cert.SerialNumber,
        Thumbprint = cert.GetCertHashString(HashAlgorithmName.SHA256),
        NotBefore = OrFallback(() => new DateTimeOffset(cert.NotBefore.ToUniversalTime()), DateTimeOffset.MinValue),
        NotAfter = OrFallback(() => new DateTimeOffset(cert.NotAfter.ToUniversalTime()), DateTimeOffset.MinValue),
    };

    private static T OrFallback<T>(Func<T> read, T fallback)
    {
        try
        {
            return read();
        }
        catch (CryptographicException)
        {
            return fallback;
        }
    }

    private static string CacheKey(X509Certificate2 leaf, X509Certificate2Collection? extra, CertificateUsage usage, string? listener)
    {
        var sb = new StringBuilder(128);
        sb.Append(leaf.GetCertHashString(HashAlgorithmName.SHA256)).Append('|').Append((int)usage).Append('|').Append(listener);
        foreach (var c in extra ?? [])
        {
            sb.Append('|').Append(c.Thumbprint);
        }

        return sb.ToString();
    }

    private sealed record CachedVerdict(CertificateVerdict Verdict, long AnchorGeneration, long CrlGeneration, DateTimeOffset Expires);
}

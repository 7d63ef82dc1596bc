using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace MssGateway.Trust;

/// <summary>
/// The CRLs the engine knows (RFC 5280 §5, §6.3): configured files and URLs, and the HTTP distribution
/// points of validated certificates. Downloads happen in the background ahead of nextUpdate (with a
/// random delay, ANS asks for randomised daily downloads) and at most once inline, the first time a
/// distribution point is met; downloaded CRLs are kept on disk so a restart without network works.
/// A CRL is used only when its issuer name is the CA's subject and its signature verifies with the
/// CA's key; past nextUpdate + grace it no longer counts (fail closed). CRLs are parsed and checked
/// when they arrive (<see cref="CrlEntry.Parse"/>: unknown critical extensions, indirect CRLs refused);
/// a delta CRL is kept beside the complete CRL of its source and only ever applied to a base
/// (RFC 5280 §5.2.4); <see cref="Check"/> uses only CRLs whose scope covers the certificate.
/// </summary>
internal sealed class CrlStore
{
    private readonly RevocationOptions _options;
    private readonly Func<TrustAnchorSet> _anchors;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TrustMetrics? _metrics;
    private readonly ConcurrentDictionary<string, CrlSource> _sources = new(StringComparer.Ordinal);
    private Dictionary<string, CrlEntry[]> _byIssuer = new(StringComparer.Ordinal);
    private long _generation;

    public CrlStore(RevocationOptions options, Func<TrustAnchorSet> anchors, HttpClient http, TimeProvider time, ILogger logger, TrustMetrics? metrics = null)
    {
        _metrics = metrics;
        _options = options;
        _anchors = anchors;
        _http = http;
        _time = time;
        _logger = logger;
        if (!options.Enabled)
        {
            return;
        }

        System.IO.Directory.CreateDirectory(options.CacheDirectory);
        LoadDiskCache();
        foreach (var file in options.CrlFiles)
        {
            _sources.TryAdd(Path.GetFullPath(file), new CrlSource(Path.GetFullPath(file), isFile: true));
        }

        foreach (var url in options.CrlUrls)
        {
            _sources.TryAdd(url, new CrlSource(url, isFile: false));
        }

        // Files are read now: a configured CRL file counts from the first connection.
        foreach (var s in _sources.Values.Where(s => s.IsFile))
        {
            ReadFile(s);
        }

        RebuildIndex();
    }

    /// <summary>Changes each time the set of usable CRLs changes (verdict caches key on it).</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Registers the distribution points of configured CAs so their CRLs are fetched ahead of need.</summary>
    public void RegisterDistributionPoints(IEnumerable<TrustedCertificate> certificates)
    {
        if (!_options.Enabled || !_options.UseDistributionPoints)
        {
            return;
        }

        foreach (var c in certificates)
        {
            foreach (var url in CertificateExtensions.CrlDistributionPoints(c.Bc))
            {
                _sources.TryAdd(url, new CrlSource(url, isFile: false));
            }
        }
    }

    /// <summary>
    /// Makes sure the distribution points of these certificates are known; a point never tried before is
    /// downloaded now (once: later connections use the cache and the background refresh).
    /// </summary>
    public async ValueTask EnsureDistributionPointsAsync(IEnumerable<TrustedCertificate> certificates, CancellationToken cancellationToken)
    {
        if (!_options.Enabled || !_options.UseDistributionPoints)
        {
            return;
        }

        List<CrlSource>? fresh = null;
        foreach (var c in certificates)
        {
            foreach (var url in CertificateExtensions.CrlDistributionPoints(c.Bc))
            {
                var source = _sources.GetOrAdd(url, u => new CrlSource(u, isFile: false));
                if (source.Attempts == 0)
                {
                    (fresh ??= []).Add(source);
                }
            }
        }

        if (fresh is null)
        {
            return;
        }

        foreach (var s in fresh)
        {
            await RefreshAsync(s, onlyIfNeverTried: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Revocation status of <paramref name="certificate"/>, whose issuer in the path is <paramref name="issuer"/>, at
    /// <paramref name="at"/> (RFC 5280 §6.3.3): only complete CRLs signed by the issuer whose scope covers the
    /// certificate count (distribution point, user/CA certificates, reasons); the newest of each scope is
    /// used with its newest applicable delta CRL; together they must cover every reason.
    /// </summary>
    public RevocationResult Check(TrustedCertificate certificate, TrustedCertificate issuer, DateTimeOffset at)
    {
        var index = Volatile.Read(ref _byIssuer);
        if (!index.TryGetValue(certificate.IssuerKey, out var entries))
        {
            return RevocationResult.Unknown(CertificateCheckDetails.CrlMissing, $"no CRL of '{issuer.CommonName}'");
        }

        if (!issuer.MaySignCrls)
        {
            return RevocationResult.Unknown(CertificateCheckDetails.CrlIssuerUsage, $"'{issuer.CommonName}' has a key usage without cRLSign: its CRLs cannot be used");
        }

        var now = _time.GetUtcNow();
        var chosen = new Dictionary<string, (CrlEntry Crl, CrlReasons Reasons)>(StringComparer.Ordinal);
        string? outOfScope = null;
        CrlEntry? stale = null;
        var anyComplete = false;
        var anySigned = false;
        foreach (var e in entries)
        {
            if (e.IsDelta)
            {
                continue;
            }

            anyComplete = true;
            if (!e.IsSignedBy(issuer))
            {
                continue;
            }

            anySigned = true;
            var (reasons, why) = e.Scope.Covers(certificate);
            if (reasons == CrlReasons.None)
            {
                outOfScope ??= why;
                continue;
            }

            if (e.IsStale(now, _options.Grace))
            {
                stale = stale is null || Newer(e, stale) ? e : stale;
                continue;
            }

            if (!chosen.TryGetValue(e.Scope.Key, out var current) || Newer(e, current.Crl))
            {
                chosen[e.Scope.Key] = (e, reasons);
            }
        }

        if (chosen.Count == 0)
        {
            if (!anyComplete)
            {
                return RevocationResult.Unknown(CertificateCheckDetails.CrlMissing, $"only a delta CRL of '{issuer.CommonName}' is known (a delta CRL never stands for the complete CRL)");
            }

            if (!anySigned)
            {
                return RevocationResult.Unknown(CertificateCheckDetails.CrlMissing, $"no CRL of '{issuer.CommonName}' verifies with its key");
            }

            return stale is not null
                ? RevocationResult.Unknown(CertificateCheckDetails.CrlStale, $"CRL of '{issuer.CommonName}' is past nextUpdate {stale.NextUpdate:O} + grace {_options.Grace}")
                : RevocationResult.Unknown(CertificateCheckDetails.CrlScope, $"no CRL of '{issuer.CommonName}' covers this certificate: {outOfScope}");
        }

        var covered = CrlReasons.None;
        DateTimeOffset? validUntil = null;
        string? laterRevocation = null;
        foreach (var (crl, reasons) in chosen.Values)
        {
            covered |= reasons;
            validUntil = Earliest(validUntil, crl.NextUpdate + _options.Grace);
            var listed = crl.Find(certificate.Bc.SerialNumber);
            var listedOn = crl;
            if (BestDelta(entries, crl, issuer, now) is { } delta)
            {
                validUntil = Earliest(validUntil, delta.NextUpdate + _options.Grace);
                if (delta.Find(certificate.Bc.SerialNumber) is { } change)
                {
                    listed = change;
                    listedOn = delta;
                }
            }

            if (listed is not { } revoked || revoked.Reason == CrlEntry.RemoveFromCrl)
            {
                continue;
            }

            if (revoked.Date > at)
            {
                laterRevocation = $"revoked on {revoked.Date:O}, after the time checked";
                continue;
            }

            var reason = revoked.Reason >= 0 && revoked.Reason < ReasonNames.Length ? ReasonNames[revoked.Reason] : revoked.Reason < 0 ? "unspecified" : "unknown";
            return RevocationResult.Revoked(CertificateCheckDetails.RevokedByCrl, $"on {listedOn.KindText} of '{issuer.CommonName}' since {revoked.Date:O} (reason {reason})");
        }

        if (covered != CrlReasons.All)
        {
            return RevocationResult.Unknown(CertificateCheckDetails.CrlReasons, $"the CRLs of '{issuer.CommonName}' that cover this certificate answer only for the reasons {covered} (onlySomeReasons), not for {CrlReasons.All & ~covered}");
        }

        var newest = chosen.Values.Select(c => c.Crl).MaxBy(c => c.ThisUpdate)!;
        return RevocationResult.Good(laterRevocation ?? $"not on CRL of '{issuer.CommonName}' of {newest.ThisUpdate:O}", validUntil);
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : (a < b ? a : b);

    /// <summary>True when <paramref name="a"/> is the more recent CRL of the two (by cRLNumber when both have one).</summary>
    private static bool Newer(CrlEntry a, CrlEntry b) =>
        a.CrlNumber is { } na && b.CrlNumber is { } nb ? na > nb : a.ThisUpdate > b.ThisUpdate;

    /// <summary>The newest delta CRL that applies to <paramref name="complete"/> (RFC 5280 §5.2.4, §6.3.3 (a)(2), (c)).</summary>
    private CrlEntry? BestDelta(CrlEntry[] entries, CrlEntry complete, TrustedCertificate issuer, DateTimeOffset now)
    {
        if (complete.CrlNumber is not { } baseNumber)
        {
            return null;
        }

        CrlEntry? best = null;
        foreach (var d in entries)
        {
            if (d.IsDelta && d.Scope.Key == complete.Scope.Key && d.BaseCrlNumber <= baseNumber && d.CrlNumber > baseNumber
                && !d.IsStale(now, _options.Grace) && d.IsSignedBy(issuer) && (best is null || d.CrlNumber > best.CrlNumber))
            {
                best = d;
            }
        }

        return best;
    }

    /// <summary>Downloads or re-reads every source whose time has come.</summary>
    public async Task RefreshDueAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var now = _time.GetUtcNow();
        foreach (var s in _sources.Values)
        {
            if (s.IsFile)
            {
                if (ReadFile(s))
                {
                    RebuildIndex();
                }
            }
            else if (s.NextAttempt <= now)
            {
                await RefreshAsync(s, onlyIfNeverTried: false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Downloads every URL source now (start-up, tests).</summary>
    public async Task RefreshAllAsync(CancellationToken cancellationToken)
    {
        foreach (var s in _sources.Values.Where(s => !s.IsFile))
        {
            await RefreshAsync(s, onlyIfNeverTried: false, cancellationToken).ConfigureAwait(false);
        }
    }

    public IReadOnlyList<CrlStatus> GetStatus()
    {
        var now = _time.GetUtcNow();
        return _sources.Values
            .OrderBy(s => s.Location, StringComparer.Ordinal)
            .Select(s => new CrlStatus
            {
                Source = s.Location,
                IssuerCa = s.Latest?.IssuerCa,
                ThisUpdate = s.Latest?.ThisUpdate,
                NextUpdate = s.Latest?.NextUpdate,
                IsDelta = s.Current is null && s.Delta is not null,
                LastSuccess = s.LastSuccess,
                LastError = s.LastError,
                // A source with a complete CRL is as fresh as that CRL (a fresh delta does not stand for it).
                IsStale = s.Current is { } complete ? complete.IsStale(now, _options.Grace) : s.Delta is not { } delta || delta.IsStale(now, _options.Grace),
            })
            .ToArray();
    }

    private async Task RefreshAsync(CrlSource source, bool onlyIfNeverTried, CancellationToken cancellationToken)
    {
        await source.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (onlyIfNeverTried && source.Attempts > 0)
            {
                return;
            }

            source.Attempts++;
            var now = _time.GetUtcNow();
            byte[] der;
            try
            {
                der = await DownloadAsync(source.Location, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or InvalidDataException && !cancellationToken.IsCancellationRequested)
            {
                Fail(source, now, "download failed: " + ex.Message);
                return;
            }

            var (entry, error) = Accept(der, source);
            if (entry is null)
            {
                Fail(source, now, error!);
                return;
            }

            _metrics?.CrlFetched(ok: true);
            var previous = entry.IsDelta ? source.Delta : source.Current;
            var changed = previous?.Digest != entry.Digest;
            if (entry.IsDelta)
            {
                // A delta served where a complete CRL was: the complete one stays in use until its own time runs out.
                source.Delta = entry;
            }
            else
            {
                source.Current = entry;
            }

            source.LastSuccess = now;
            source.LastError = null;
            source.Failures = 0;
            source.Unchanged = changed ? 0 : source.Unchanged + 1;
            source.NextAttempt = NextRefresh(entry, now, source.Unchanged);
            if (changed)
            {
                SaveToDisk(source.Location, entry.IsDelta, der);
                RebuildIndex();
                LogUpdated(entry, source.Location);
            }
        }
        finally
        {
            source.Gate.Release();
        }
    }

    private void Fail(CrlSource source, DateTimeOffset now, string error)
    {
        _metrics?.CrlFetched(ok: false);
        source.Failures++;
        source.LastError = error;
        var backoff = _options.RetryInterval * Math.Pow(2, Math.Min(source.Failures - 1, 16));
        source.NextAttempt = now + (backoff > _options.MaxRetryInterval ? _options.MaxRetryInterval : backoff);
        TrustLog.CrlRefreshFailed(_logger, source.Location, error, source.NextAttempt);
    }

    private DateTimeOffset NextRefresh(CrlEntry entry, DateTimeOffset now, int unchanged)
    {
        var next = now + _options.MaxRefreshInterval;
        if (entry.NextUpdate is { } n)
        {
            var ahead = n - _options.RefreshAhead - (_options.RefreshJitter * Random.Shared.NextDouble());
            if (ahead < next)
            {
                next = ahead;
            }
        }

        // Near or past nextUpdate the same CRL may come back again: back off instead of spinning.
        var minimum = _options.RetryInterval * Math.Pow(2, Math.Min(unchanged, 16));
        if (minimum > _options.MaxRetryInterval)
        {
            minimum = _options.MaxRetryInterval;
        }

        return next < now + minimum ? now + minimum : next;
    }

    private async Task<byte[]> DownloadAsync(string url, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_options.FetchTimeout);
        using var response = await _http.GetAsync(new Uri(url), HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        if (response.Content.Headers.ContentLength > _options.MaxCrlBytes)
        {
            throw new InvalidDataException($"CRL larger than {_options.MaxCrlBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cts.Token).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cts.Token).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > _options.MaxCrlBytes)
            {
                throw new InvalidDataException($"CRL larger than {_options.MaxCrlBytes} bytes");
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Parses and checks a CRL; returns it, or the reason it is refused (logged and counted).</summary>
    private (CrlEntry? Entry, string? Error) Accept(byte[] data, CrlSource source)
    {
        var (entry, refusal) = CrlEntry.Parse(data, source.Location);
        if (entry is not null)
        {
            refusal = CheckAgainstKnown(entry, source);
        }

        if (refusal is not null)
        {
            _metrics?.CrlRefused(refusal.Label);
            if (refusal.Cause == CrlRefusalCause.Signature)
            {
                TrustLog.CrlRefused(_logger, source.Location, entry?.IssuerCa ?? "?");
            }
            else
            {
                TrustLog.CrlRejected(_logger, source.Location, refusal.Label, refusal.Detail);
            }

            return (null, refusal.Detail);
        }

        return (entry, null);
    }

    private CrlRefusal? CheckAgainstKnown(CrlEntry entry, CrlSource source)
    {
        // When we know the issuing CA, the CRL must verify with its key now; a CRL of an unknown CA
        // is kept and verified against the path's CA when used.
        var cas = _anchors().AllCas.Where(c => c.SubjectKey == entry.Issuer.CanonicalKey).ToArray();
        if (cas.Length > 0 && !cas.Any(entry.IsSignedBy))
        {
            return new CrlRefusal(CrlRefusalCause.Signature, $"CRL signature does not verify with the key of '{entry.IssuerCa}'");
        }

        // No rollback: neither an older complete CRL nor an older delta replaces the one in use.
        var current = entry.IsDelta ? source.Delta : source.Current;
        if (current is not null && (entry.ThisUpdate < current.ThisUpdate || (entry.CrlNumber is { } n && current.CrlNumber is { } c && n < c)))
        {
            return new CrlRefusal(CrlRefusalCause.Older, $"{entry.KindText} is older (thisUpdate {entry.ThisUpdate:O}, number {entry.CrlNumber}) than the one in use ({current.ThisUpdate:O}, number {current.CrlNumber})");
        }

        return null;
    }

    private void LogUpdated(CrlEntry entry, string location)
    {
        if (entry.IsDelta)
        {
            TrustLog.DeltaCrlUpdated(_logger, entry.IssuerCa, location, entry.CrlNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?", entry.BaseCrlNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?", entry.NextUpdate);
        }
        else
        {
            TrustLog.CrlUpdated(_logger, entry.IssuerCa, location, entry.ThisUpdate, entry.NextUpdate);
        }
    }

    /// <summary>Reads a configured CRL file when it changed; true when the usable set changed.</summary>
    private bool ReadFile(CrlSource source)
    {
        var info = new FileInfo(source.Location);
        if (!info.Exists)
        {
            source.LastError = "file not found";
            return false;
        }

        var stamp = info.LastWriteTimeUtc.Ticks ^ info.Length;
        if (stamp == source.FileStamp)
        {
            return false;
        }

        source.FileStamp = stamp;
        source.Attempts++;
        var hadOne = source.Current is not null || source.Delta is not null;
        var (entry, error) = Accept(File.ReadAllBytes(source.Location), source);
        if (entry is null)
        {
            source.LastError = error;
            source.Current = null; // a replaced file that is refused no longer counts
            source.Delta = null;
            return hadOne;
        }

        // The file is the truth: a file that now holds a delta CRL holds no complete CRL any more.
        source.Current = entry.IsDelta ? null : entry;
        source.Delta = entry.IsDelta ? entry : null;
        source.LastSuccess = _time.GetUtcNow();
        source.LastError = null;
        LogUpdated(entry, source.Location);
        return true;
    }

    private void RebuildIndex()
    {
        var index = _sources.Values
            .SelectMany(s => new[] { s.Current, s.Delta })
            .OfType<CrlEntry>()
            .GroupBy(e => e.Issuer.CanonicalKey)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        Volatile.Write(ref _byIssuer, index);
        Interlocked.Increment(ref _generation);
    }

    private string CachePath(string location, string extension) =>
        Path.Combine(_options.CacheDirectory, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(location)))[..32].ToLowerInvariant() + extension);

    private void SaveToDisk(string location, bool isDelta, byte[] der)
    {
        try
        {
            // A delta from the same URL is kept in its own file: it never overwrites the complete CRL.
            var slot = isDelta ? location + "#delta" : location;
            var crlPath = CachePath(slot, ".crl");
            var tmp = crlPath + ".tmp";
            File.WriteAllBytes(tmp, der);
            File.Move(tmp, crlPath, overwrite: true);
            File.WriteAllText(CachePath(slot, ".src"), location);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TrustLog.CrlCacheWriteFailed(_logger, _options.CacheDirectory, ex.Message);
        }
    }

    private void LoadDiskCache()
    {
        foreach (var src in System.IO.Directory.EnumerateFiles(_options.CacheDirectory, "*.src"))
        {
            try
            {
                var location = File.ReadAllText(src).Trim();
                var crlPath = Path.ChangeExtension(src, ".crl");
                if (!File.Exists(crlPath))
                {
                    continue;
                }

                var source = _sources.GetOrAdd(location, l => new CrlSource(l, isFile: false));
                var (entry, error) = Accept(File.ReadAllBytes(crlPath), source);
                if (entry is null)
                {
                    TrustLog.CrlCacheEntryIgnored(_logger, crlPath, error!);
                    continue;
                }

                if (entry.IsDelta)
                {
                    source.Delta = entry;
                }
                else
                {
                    source.Current = entry;
                }

                source.NextAttempt = _time.GetUtcNow(); // refresh soon, in the background
                LogUpdated(entry, location + " (disk cache)");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                TrustLog.CrlCacheEntryIgnored(_logger, src, ex.Message);
            }
        }
    }

    private static readonly string[] ReasonNames =
    [
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation",
        "certificateHold", "unknown", "removeFromCRL", "privilegeWithdrawn", "aACompromise",
    ];

    /// <summary>One place a CRL comes from, and what the last attempt gave.</summary>
    private sealed class CrlSource(string location, bool isFile)
    {
        public string Location { get; } = location;

        public bool IsFile { get; } = isFile;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>The complete CRL from this source in use.</summary>
        public CrlEntry? Current { get; set; }

        /// <summary>The delta CRL from this source, kept beside the complete one: a delta never replaces a base.</summary>
        public CrlEntry? Delta { get; set; }

        /// <summary>The newest CRL of either kind, for the status.</summary>
        public CrlEntry? Latest => Current is null ? Delta : Delta is null || Current.ThisUpdate >= Delta.ThisUpdate ? Current : Delta;

        public int Attempts { get; set; }

        public int Failures { get; set; }

        public int Unchanged { get; set; }

        public long FileStamp { get; set; }

        public DateTimeOffset NextAttempt { get; set; }

        public DateTimeOffset? LastSuccess { get; set; }

        public string? LastError { get; set; }
    }
}

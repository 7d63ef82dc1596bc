using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.X509;

namespace MssGateway.Trust;

/// <summary>
/// The CRLs the engine knows (RFC 5280 §5, §6.3): configured files and URLs, and the HTTP distribution
/// points of validated certificates. Downloads happen in the background ahead of nextUpdate (with a
/// random delay, ANS asks for randomised daily downloads) and at most once inline, the first time a
/// distribution point is met; downloaded CRLs are kept on disk so a restart without network works.
/// A CRL is used only when its issuer name is the CA's subject and its signature verifies with the
/// CA's key; past nextUpdate + grace it no longer counts (fail closed).
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

    /// <summary>Revocation status of <paramref name="certificate"/>, whose issuer in the path is <paramref name="issuer"/>, at <paramref name="at"/>.</summary>
    public RevocationResult Check(TrustedCertificate certificate, TrustedCertificate issuer, DateTimeOffset at)
    {
        var index = Volatile.Read(ref _byIssuer);
        if (!index.TryGetValue(certificate.IssuerKey, out var entries))
        {
            return RevocationResult.Unknown($"no CRL of '{issuer.CommonName}'");
        }

        CrlEntry? best = null;
        foreach (var e in entries)
        {
            if (e.IsSignedBy(issuer) && (best is null || e.ThisUpdate > best.ThisUpdate))
            {
                best = e;
            }
        }

        if (best is null)
        {
            return RevocationResult.Unknown($"no CRL of '{issuer.CommonName}' verifies with its key");
        }

        var now = _time.GetUtcNow();
        if (best.NextUpdate is { } next && now > next + _options.Grace)
        {
            return RevocationResult.Unknown($"CRL of '{issuer.CommonName}' is past nextUpdate {next:O} + grace {_options.Grace}");
        }

        var entry = best.Crl.GetRevokedCertificate(certificate.Bc.SerialNumber);
        if (entry is null)
        {
            return RevocationResult.Good($"not on CRL of '{issuer.CommonName}' of {best.ThisUpdate:O}");
        }

        var revokedAt = new DateTimeOffset(DateTime.SpecifyKind(entry.RevocationDate, DateTimeKind.Utc));
        if (revokedAt > at)
        {
            return RevocationResult.Good($"revoked on {revokedAt:O}, after the time checked");
        }

        var reason = entry.HasExtensions ? ReasonOf(entry) : "unspecified";
        return RevocationResult.Revoked($"on CRL of '{issuer.CommonName}' since {revokedAt:O} (reason {reason})");
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
                IssuerCa = s.Current?.IssuerCa,
                ThisUpdate = s.Current?.ThisUpdate,
                NextUpdate = s.Current?.NextUpdate,
                LastSuccess = s.LastSuccess,
                LastError = s.LastError,
                IsStale = s.Current is null || (s.Current.NextUpdate is { } n && now > n + _options.Grace),
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
            var changed = source.Current?.Digest != entry.Digest;
            source.Current = entry;
            source.LastSuccess = now;
            source.LastError = null;
            source.Failures = 0;
            source.Unchanged = changed ? 0 : source.Unchanged + 1;
            source.NextAttempt = NextRefresh(entry, now, source.Unchanged);
            if (changed)
            {
                SaveToDisk(source.Location, der);
                RebuildIndex();
                TrustLog.CrlUpdated(_logger, entry.IssuerCa, source.Location, entry.ThisUpdate, entry.NextUpdate);
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

    /// <summary>Parses and checks a CRL; returns it, or the reason it is refused.</summary>
    private (CrlEntry? Entry, string? Error) Accept(byte[] data, CrlSource source)
    {
        CrlEntry entry;
        try
        {
            var crl = new X509CrlParser().ReadCrl(data);
            if (crl is null)
            {
                return (null, "not a CRL");
            }

            entry = new CrlEntry(crl.GetEncoded(), crl, source.Location);
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.Certificates.CrlException or IOException or ArgumentException
            or InvalidCastException or Org.BouncyCastle.Asn1.Asn1Exception or System.Formats.Asn1.AsnContentException)
        {
            return (null, "not a CRL: " + ex.Message);
        }

        // When we know the issuing CA, the CRL must verify with its key now; a CRL of an unknown CA
        // is kept and verified against the path's CA when used.
        var cas = _anchors().AllCas.Where(c => c.SubjectKey == entry.Issuer.CanonicalKey).ToArray();
        if (cas.Length > 0 && !cas.Any(entry.IsSignedBy))
        {
            TrustLog.CrlRefused(_logger, source.Location, entry.IssuerCa);
            return (null, $"CRL signature does not verify with the key of '{entry.IssuerCa}'");
        }

        if (source.Current is { } current && entry.ThisUpdate < current.ThisUpdate)
        {
            return (null, $"CRL is older ({entry.ThisUpdate:O}) than the one in use ({current.ThisUpdate:O})");
        }

        return (entry, null);
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
        var (entry, error) = Accept(File.ReadAllBytes(source.Location), source);
        if (entry is null)
        {
            source.LastError = error;
            var hadOne = source.Current is not null;
            source.Current = null; // a replaced file that is refused no longer counts
            return hadOne;
        }

        source.Current = entry;
        source.LastSuccess = _time.GetUtcNow();
        source.LastError = null;
        TrustLog.CrlUpdated(_logger, entry.IssuerCa, source.Location, entry.ThisUpdate, entry.NextUpdate);
        return true;
    }

    private void RebuildIndex()
    {
        var index = _sources.Values
            .Select(s => s.Current)
            .OfType<CrlEntry>()
            .GroupBy(e => e.Issuer.CanonicalKey)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        Volatile.Write(ref _byIssuer, index);
        Interlocked.Increment(ref _generation);
    }

    private string CachePath(string location, string extension) =>
        Path.Combine(_options.CacheDirectory, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(location)))[..32].ToLowerInvariant() + extension);

    private void SaveToDisk(string location, byte[] der)
    {
        try
        {
            var crlPath = CachePath(location, ".crl");
            var tmp = crlPath + ".tmp";
            File.WriteAllBytes(tmp, der);
            File.Move(tmp, crlPath, overwrite: true);
            File.WriteAllText(CachePath(location, ".src"), location);
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

                var source = new CrlSource(location, isFile: false);
                var (entry, error) = Accept(File.ReadAllBytes(crlPath), source);
                if (entry is null)
                {
                    TrustLog.CrlCacheEntryIgnored(_logger, crlPath, error!);
                    continue;
                }

                source.Current = entry;
                source.NextAttempt = _time.GetUtcNow(); // refresh soon, in the background
                _sources[location] = source;
                TrustLog.CrlUpdated(_logger, entry.IssuerCa, location + " (disk cache)", entry.ThisUpdate, entry.NextUpdate);
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

    private static string ReasonOf(X509CrlEntry entry)
    {
        var ext = entry.GetExtensionValue(Org.BouncyCastle.Asn1.X509.X509Extensions.ReasonCode);
        if (ext is null)
        {
            return "unspecified";
        }

        int code;
        try
        {
            code = Org.BouncyCastle.Asn1.DerEnumerated.GetInstance(
                Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.FromExtensionValue(ext)).IntValueExact;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or ArithmeticException)
        {
            // Not an ENUMERATED (a BOOLEAN, truncated DER: fuzzing finding): the entry still revokes.
            return "unreadable";
        }

        return code >= 0 && code < ReasonNames.Length ? ReasonNames[code] : "unknown";
    }

    /// <summary>One place a CRL comes from, and what the last attempt gave.</summary>
    private sealed class CrlSource(string location, bool isFile)
    {
        public string Location { get; } = location;

        public bool IsFile { get; } = isFile;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public CrlEntry? Current { get; set; }

        public int Attempts { get; set; }

        public int Failures { get; set; }

        public int Unchanged { get; set; }

        public long FileStamp { get; set; }

        public DateTimeOffset NextAttempt { get; set; }

        public DateTimeOffset? LastSuccess { get; set; }

        public string? LastError { get; set; }
    }
}

using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;

namespace MssGateway.Trust;

/// <summary>
/// Loads the trust anchors and intermediates from configuration (bundles, directories, trusted list)
/// and reloads them when a file changes, without restart. A reload that fails keeps the last good set
/// (and reports the error); at start-up a broken anchor file is a configuration error.
/// </summary>
internal sealed class TrustAnchorStore
{
    private readonly TrustOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private TrustAnchorSet _current;
    private string _fingerprint;
    private long _generation;

    public TrustAnchorStore(TrustOptions options, TimeProvider time, ILogger logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _fingerprint = Fingerprint();
        _current = Load(throwOnError: true) ?? throw new InvalidOperationException("unreachable");
    }

    public TrustAnchorSet Current => Volatile.Read(ref _current);

    /// <summary>The error of the last failed reload, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>Reloads when a source file changed (or the trusted list reached its NextUpdate); returns true when the set changed.</summary>
    public bool ReloadIfChanged()
    {
        lock (_lock)
        {
            var fp = Fingerprint();
            if (fp == _fingerprint)
            {
                return false;
            }

            _fingerprint = fp;
            var set = Load(throwOnError: false);
            if (set is null)
            {
                return false;
            }

            Volatile.Write(ref _current, set);
            TrustLog.AnchorsLoaded(_logger, set.Anchors.Count, set.Intermediates.Count, set.TrustedList.CertificateCount);
            return true;
        }
    }

    private TrustAnchorSet? Load(bool throwOnError)
    {
        var anchors = new List<TrustedCertificate>();
        var intermediates = new List<TrustedCertificate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var path in _options.AnchorPaths)
            {
                foreach (var cert in CertificateBundleReader.ReadPath(path))
                {
                    var tc = new TrustedCertificate(cert);
                    if (!seen.Add(tc.Thumbprint))
                    {
                        continue;
                    }

                    // Self-issued CAs (roots) are anchors; the rest must chain to one (and their revocation is
                    // checked). An anchor's own signature is not checked (RFC 5280 §6.1: it is trusted as configured).
                    if (tc.IsSelfIssued)
                    {
                        anchors.Add(tc);
                    }
                    else
                    {
                        intermediates.Add(tc);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException
            or System.Formats.Asn1.AsnContentException)
        {
            LastError = ex.Message;
            if (throwOnError)
            {
                throw new InvalidOperationException($"{TrustOptions.SectionName}:AnchorPaths: {ex.Message}", ex);
            }

            TrustLog.AnchorReloadFailed(_logger, ex.Message);
            return null;
        }

        var tl = LoadTrustedList();
        foreach (var cert in tl.Certificates)
        {
            TrustedCertificate tc;
            try
            {
                tc = new TrustedCertificate(cert);
            }
            catch (Exception ex) when (ex is InvalidDataException or System.Security.Cryptography.CryptographicException or System.Formats.Asn1.AsnContentException)
            {
                TrustLog.TrustedListRefused(_logger, _options.TrustedList.Path ?? string.Empty, "a listed certificate cannot be read: " + ex.Message);
                continue;
            }

            if (seen.Add(tc.Thumbprint))
            {
                // A trusted list names the CA it trusts, self-signed or not: it is an anchor as listed.
                anchors.Add(tc);
            }
        }

        LastError = tl.State.Error;
        return new TrustAnchorSet(anchors, intermediates, Interlocked.Increment(ref _generation), tl.State, _time.GetUtcNow());
    }

    private (IReadOnlyList<X509Certificate2> Certificates, TrustedListState State) LoadTrustedList()
    {
        var o = _options.TrustedList;
        if (string.IsNullOrWhiteSpace(o.Path))
        {
            return ([], new TrustedListState(false, 0, null, null));
        }

        try
        {
            var signer = CertificateBundleReader.ReadFile(o.SignerCertificateFile!)[0];
            var result = TrustedListReader.Read(o.Path, signer, o, _time.GetUtcNow());
            return (result.Certificates, new TrustedListState(true, result.Certificates.Count, result.NextUpdate, null));
        }
        catch (Exception ex) when (ex is TrustedListException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            TrustLog.TrustedListRefused(_logger, o.Path, ex.Message);
            return ([], new TrustedListState(true, 0, null, ex.Message));
        }
    }

    private string Fingerprint()
    {
        var sb = new StringBuilder();
        foreach (var path in _options.AnchorPaths)
        {
            Stamp(sb, path);
        }

        if (!string.IsNullOrWhiteSpace(_options.TrustedList.Path))
        {
            Stamp(sb, _options.TrustedList.Path);
            Stamp(sb, _options.TrustedList.SignerCertificateFile ?? string.Empty);

            // Passing the list's NextUpdate must drop its anchors even if no file changed.
            var next = _current?.TrustedList.NextUpdate;
            sb.Append(next is not null && _time.GetUtcNow() > next ? "tl-expired" : "tl-current");
        }

        return sb.ToString();
    }

    private static void Stamp(StringBuilder sb, string path)
    {
        if (System.IO.Directory.Exists(path))
        {
            foreach (var f in System.IO.Directory.EnumerateFiles(path).Order(StringComparer.Ordinal))
            {
                StampFile(sb, f);
            }
        }
        else
        {
            StampFile(sb, path);
        }
    }

    private static void StampFile(StringBuilder sb, string file)
    {
        var info = new FileInfo(file);
        sb.Append(file).Append('|');
        if (info.Exists)
        {
            sb.Append(info.LastWriteTimeUtc.Ticks).Append('|').Append(info.Length);
        }

        sb.Append(';');
    }
}

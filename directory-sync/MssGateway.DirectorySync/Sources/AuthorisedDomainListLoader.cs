using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using MssGateway.DirectorySync.Options;

namespace MssGateway.DirectorySync.Sources;

/// <summary>Loads the liste blanche from a file or URL; any failure is a <see cref="DirectorySyncException"/> so the caller keeps the last good list.</summary>
public sealed class AuthorisedDomainListLoader
{
    private readonly AuthorisedDomainListOptions _options;

    public AuthorisedDomainListLoader(AuthorisedDomainListOptions options)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public string Describe() => _options.Url?.ToString() ?? _options.Path ?? "(none)";

    public async Task<AuthorisedDomainList> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            AuthorisedDomainList list;
            if (_options.Url is { } url && url.Scheme != "file")
            {
                using var handler = CreateHandler();
                using var http = new HttpClient(handler) { Timeout = _options.Timeout };
                using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new DirectorySyncException(SyncFailure.Source, "domains", $"Downloading the authorised-domain list from {url} failed: HTTP {(int)response.StatusCode}. The last good list stays live.");
                }

                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                list = AuthorisedDomainListReader.Parse(body);
            }
            else
            {
                var path = _options.Url?.LocalPath ?? _options.Path!;
                await using var file = File.OpenRead(path);
                list = AuthorisedDomainListReader.Parse(file);
            }

            if (list.Domains.Count == 0)
            {
                throw new DirectorySyncException(SyncFailure.Source, "domains", $"The authorised-domain list from {Describe()} lists no domain: refused, the last good list stays live.");
            }

            return list;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or XmlException or InvalidDataException or UnauthorizedAccessException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new DirectorySyncException(SyncFailure.Source, "domains", $"The authorised-domain list from {Describe()} could not be loaded ({ex.GetType().Name}: {ex.Message}). The last good list stays live.", ex);
        }
    }

    private HttpClientHandler CreateHandler()
    {
        var handler = new HttpClientHandler();
        if (!string.IsNullOrEmpty(_options.TrustedCaFile))
        {
            var anchors = new X509Certificate2Collection();
            anchors.ImportFromPemFile(_options.TrustedCaFile);
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            };
        }

        return handler;
    }
}

namespace MssGateway.DirectorySync.Options;

/// <summary>The MSSanté authorised-domain list (liste blanche), section <c>DirectorySync:AuthorisedDomains</c>. Neither Path nor Url: the list is not synced.</summary>
public sealed class AuthorisedDomainListOptions
{
    /// <summary>A local copy of listeblanchemssante.xml.</summary>
    public string? Path { get; set; }

    /// <summary>Where to download it, e.g. https://espacedeconfiance.mssante.fr/listeblanchemssante.xml.</summary>
    public Uri? Url { get; set; }

    /// <summary>PEM file of extra CAs trusted for the download (the list is served with an IGC-Santé certificate).</summary>
    public string? TrustedCaFile { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    public bool Enabled => !string.IsNullOrWhiteSpace(Path) || Url is not null;
}

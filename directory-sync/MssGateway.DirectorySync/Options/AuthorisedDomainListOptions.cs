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

    public void Validate(string section)
    {
        DirectorySyncOptions.Require(string.IsNullOrWhiteSpace(Path) || Url is null, $"{section}: set Path or Url, not both.");
        DirectorySyncOptions.Require(Url is null || Url.Scheme is "https" or "http" or "file", $"{section}:Url must be an http(s) URL.");
        DirectorySyncOptions.Require(Timeout > TimeSpan.Zero, $"{section}:Timeout must be a positive duration.");
        DirectorySyncOptions.Require(string.IsNullOrEmpty(TrustedCaFile) || File.Exists(TrustedCaFile), $"{section}:TrustedCaFile '{TrustedCaFile}' does not exist: give a PEM file or remove the key.");
    }
}

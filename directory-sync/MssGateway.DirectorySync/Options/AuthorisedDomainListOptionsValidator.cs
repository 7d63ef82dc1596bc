using Microsoft.Extensions.Options;

namespace MssGateway.DirectorySync.Options;

/// <summary>Start-up validation of <see cref="AuthorisedDomainListOptions"/> bound at <paramref name="section"/>: every problem, each naming its full key and the fix.</summary>
public sealed class AuthorisedDomainListOptionsValidator(string section = DirectorySyncOptions.SectionName + ":AuthorisedDomains") : IValidateOptions<AuthorisedDomainListOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthorisedDomainListOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Path) && options.Url is not null)
        {
            errors.Add($"{section}: set Path or Url, not both.");
        }

        if (options.Url is not null && options.Url.Scheme is not ("https" or "http" or "file"))
        {
            errors.Add($"{section}:Url '{options.Url}' must be an http(s) URL, e.g. https://espacedeconfiance.mssante.fr/listeblanchemssante.xml.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"{section}:Timeout must be a positive duration (default 00:01:00).");
        }

        if (!string.IsNullOrEmpty(options.TrustedCaFile) && !File.Exists(options.TrustedCaFile))
        {
            errors.Add($"{section}:TrustedCaFile '{options.TrustedCaFile}' does not exist: give a PEM file or remove the key.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

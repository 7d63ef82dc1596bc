using Microsoft.Extensions.Options;

namespace MssGateway.Trust;

/// <summary>Start-up validation of <see cref="TrustOptions"/>: each message names the key and the fix.</summary>
public sealed class TrustOptionsValidator : IValidateOptions<TrustOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string S = TrustOptions.SectionName;
        if (options.AnchorPaths.Count == 0 && string.IsNullOrWhiteSpace(options.TrustedList.Path))
        {
            errors.Add($"{S}:AnchorPaths is empty and {S}:TrustedList:Path is not set: configure at least one trust anchor (e.g. the IGC-Santé p7b bundle from ANS).");
        }

        for (var i = 0; i < options.AnchorPaths.Count; i++)
        {
            var p = options.AnchorPaths[i];
            if (string.IsNullOrWhiteSpace(p) || (!File.Exists(p) && !System.IO.Directory.Exists(p)))
            {
                errors.Add($"{S}:AnchorPaths:{i} = '{p}' is neither a file nor a directory: give the path of a PEM/DER/p7b bundle or of a folder of certificates.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.TrustedList.Path))
        {
            if (!File.Exists(options.TrustedList.Path))
            {
                errors.Add($"{S}:TrustedList:Path = '{options.TrustedList.Path}' does not exist: give the trusted-list XML file or remove the key.");
            }

            if (string.IsNullOrWhiteSpace(options.TrustedList.SignerCertificateFile) || !File.Exists(options.TrustedList.SignerCertificateFile))
            {
                errors.Add($"{S}:TrustedList:SignerCertificateFile = '{options.TrustedList.SignerCertificateFile}' is missing: a trusted list is only used with the certificate of its signer (PEM or DER file).");
            }
        }

        for (var i = 0; i < options.Revocation.CrlFiles.Count; i++)
        {
            if (!File.Exists(options.Revocation.CrlFiles[i]))
            {
                errors.Add($"{S}:Revocation:CrlFiles:{i} = '{options.Revocation.CrlFiles[i]}' does not exist: give a CRL file (PEM or DER).");
            }
        }

        for (var i = 0; i < options.Revocation.CrlUrls.Count; i++)
        {
            if (!Uri.TryCreate(options.Revocation.CrlUrls[i], UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{S}:Revocation:CrlUrls:{i} = '{options.Revocation.CrlUrls[i]}' is not an http(s) URL.");
            }
        }

        if (options.Revocation.Enabled && string.IsNullOrWhiteSpace(options.Revocation.CacheDirectory))
        {
            errors.Add($"{S}:Revocation:CacheDirectory is empty: give a writable directory for the CRL cache (it lets a restart without network work).");
        }

        Positive(errors, $"{S}:ReloadInterval", options.ReloadInterval);
        Positive(errors, $"{S}:Revocation:RetryInterval", options.Revocation.RetryInterval);
        Positive(errors, $"{S}:Revocation:MaxRetryInterval", options.Revocation.MaxRetryInterval);
        Positive(errors, $"{S}:Revocation:MaxRefreshInterval", options.Revocation.MaxRefreshInterval);
        Positive(errors, $"{S}:Revocation:FetchTimeout", options.Revocation.FetchTimeout);
        NotNegative(errors, $"{S}:Revocation:Grace", options.Revocation.Grace);
        NotNegative(errors, $"{S}:Revocation:RefreshAhead", options.Revocation.RefreshAhead);
        NotNegative(errors, $"{S}:Revocation:RefreshJitter", options.Revocation.RefreshJitter);
        NotNegative(errors, $"{S}:VerdictCacheDuration", options.VerdictCacheDuration);
        if (options.VerdictCacheSize < 0)
        {
            errors.Add($"{S}:VerdictCacheSize = {options.VerdictCacheSize} is negative: use 0 to disable the cache or a positive count.");
        }

        if (options.MaxPathLength is < 1 or > 20)
        {
            errors.Add($"{S}:MaxPathLength = {options.MaxPathLength} is out of range: use 1 to 20 (IGC-Santé paths have 3 certificates).");
        }

        if (options.Revocation.MaxCrlBytes <= 0)
        {
            errors.Add($"{S}:Revocation:MaxCrlBytes must be positive.");
        }

        CheckOids(errors, $"{S}:ClientAuthExtendedKeyUsages", options.ClientAuthExtendedKeyUsages);
        CheckOids(errors, $"{S}:ServerAuthExtendedKeyUsages", options.ServerAuthExtendedKeyUsages);
        CheckOids(errors, $"{S}:EmailProtectionExtendedKeyUsages", options.EmailProtectionExtendedKeyUsages);
        CheckOids(errors, $"{S}:AcceptedCriticalExtensions", options.AcceptedCriticalExtensions);
        foreach (var (listener, oids) in options.PolicyOids)
        {
            CheckOids(errors, $"{S}:PolicyOids:{listener}", oids);
        }

        CheckHolderKinds(errors, $"{S}:HolderKinds", options.HolderKinds);
        Positive(errors, $"{S}:Revocation:OcspMaxAge", options.Revocation.OcspMaxAge);
        NotNegative(errors, $"{S}:Revocation:OcspClockSkew", options.Revocation.OcspClockSkew);
        Positive(errors, $"{S}:Revocation:OcspDefaultValidity", options.Revocation.OcspDefaultValidity);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckHolderKinds(List<string> errors, string key, HolderKindOptions options)
    {
        for (var i = 0; i < options.Issuers.Count; i++)
        {
            var rule = options.Issuers[i];
            if (string.IsNullOrWhiteSpace(rule.Issuer) || DistinguishedName.TryParse(rule.Issuer) is not { Rdns.Count: > 0 })
            {
                errors.Add($"{key}:Issuers:{i}:Issuer = '{rule.Issuer}' is not a distinguished name: give the subject DN of the issuing CA (e.g. CN=AC IGC-SANTE FORT PERSONNES,OU=IGC-SANTE,OU=0002 187512751,O=ASIP-SANTE,C=FR).");
            }

            if (!string.IsNullOrWhiteSpace(rule.Anchor) && DistinguishedName.TryParse(rule.Anchor) is not { Rdns.Count: > 0 })
            {
                errors.Add($"{key}:Issuers:{i}:Anchor = '{rule.Anchor}' is not a distinguished name: give the subject DN of the root, or remove the key.");
            }

            if (rule.Kind is not (CertificateKind.PersonalCps or CertificateKind.Organisation or CertificateKind.Server))
            {
                errors.Add($"{key}:Issuers:{i}:Kind = '{rule.Kind}' is not a holder kind: use PersonalCps, Organisation or Server.");
            }
        }

        CheckOids(errors, key + ":PersonalPolicyOids", options.PersonalPolicyOids);
    }

    private static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} = {value} must be positive (format hh:mm:ss).");
        }
    }

    private static void NotNegative(List<string> errors, string key, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{key} = {value} must not be negative (format hh:mm:ss).");
        }
    }

    private static void CheckOids(List<string> errors, string key, List<string> oids)
    {
        for (var i = 0; i < oids.Count; i++)
        {
            var o = oids[i];
            if (string.IsNullOrWhiteSpace(o) || !o.Contains('.', StringComparison.Ordinal) || !o.All(c => char.IsAsciiDigit(c) || c == '.'))
            {
                errors.Add($"{key}:{i} = '{o}' is not a dotted OID (e.g. 1.3.6.1.5.5.7.3.2).");
            }
        }
    }
}

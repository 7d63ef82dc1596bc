using System.Security.Cryptography.X509Certificates;

namespace MssGateway.Trust;

/// <summary>
/// Builds and checks a certification path (RFC 5280 §6): from the end certificate up to an anchor
/// through configured intermediates or those the peer sent (never fetched: no AIA), each signature
/// verified with the issuer's key; validity at the time checked for every certificate; unknown critical
/// extensions; basicConstraints and keyCertSign for CAs, path length; nameConstraints
/// (<see cref="NameConstraintSet"/>) and certificate policies with policyMappings, policyConstraints
/// and inhibitAnyPolicy (<see cref="CertificatePolicyTree"/>); key usage, extended key usage and the
/// listener's policy set for the end certificate. Revocation is the engine's next step.
/// This is our own validator, not the platform's X509Chain: on Linux that is OpenSSL's, which .NET
/// runs without policy checking and which would fetch AIA; every rule is here, each with its refusal.
/// </summary>
internal static class CertificatePathValidator
{

    /// <summary>The path (leaf first, anchor last), or the refusal.</summary>
    internal readonly record struct PathResult(IReadOnlyList<TrustedCertificate>? Path, CertificateRefusal? Refusal, string Detail, string Code = CertificateCheckDetails.Ok, CertificatePolicyTree.Outcome? Policies = null);

    public static PathResult Build(TrustedCertificate leaf, IReadOnlyList<TrustedCertificate> extra, TrustAnchorSet anchors, int maxLength)
    {
        if (anchors.AnchorThumbprints.Contains(leaf.Thumbprint))
        {
            return new([leaf], null, "the certificate is itself a trust anchor");
        }

        var path = new List<TrustedCertificate> { leaf };
        var current = leaf;
        var lastFailure = "no issuer certificate named '" + leaf.IssuerName + "' is known (anchors, intermediates, or sent by the peer)";
        while (path.Count < maxLength)
        {
            // Anchors first, then configured intermediates, then what the peer sent.
            TrustedCertificate? issuer = null;
            var sameName = 0;
            foreach (var candidate in Candidates(current.IssuerKey, anchors, extra))
            {
                if (path.Any(p => p.Thumbprint == candidate.Thumbprint))
                {
                    continue;
                }

                sameName++;
                if (candidate.Signed(current))
                {
                    issuer = candidate;
                    break;
                }
            }

            if (issuer is null)
            {
                if (sameName > 0)
                {
                    lastFailure = $"'{current.SubjectName}' is not signed by any known CA named '{current.IssuerName}' (wrong issuer)";
                }
                else if (current != leaf)
                {
                    lastFailure = $"'{current.SubjectName}' does not chain to a trust anchor";
                }

                return new(null, CertificateRefusal.Untrusted, lastFailure, CertificateCheckDetails.NoPath);
            }

            path.Add(issuer);
            if (anchors.AnchorThumbprints.Contains(issuer.Thumbprint))
            {
                return new(path, null, "path of " + path.Count + " certificates");
            }

            current = issuer;
        }

        return new(null, CertificateRefusal.Untrusted, $"no anchor within {maxLength} certificates", CertificateCheckDetails.NoPath);
    }

    /// <summary>Validity, CA constraints and end-certificate usage along a built path.</summary>
    public static PathResult Check(IReadOnlyList<TrustedCertificate> path, CertificateUsage usage, DateTimeOffset at, TrustOptions options, IReadOnlyCollection<string>? acceptedPolicies)
    {
        var leaf = path[0];
        var atUtc = at.UtcDateTime;
        for (var i = 0; i < path.Count; i++)
        {
            var c = path[i].Certificate;
            if (atUtc < c.NotBefore.ToUniversalTime() || atUtc > c.NotAfter.ToUniversalTime())
            {
                var what = i == 0 ? "certificate" : $"CA '{path[i].CommonName}'";
                var when = atUtc < c.NotBefore.ToUniversalTime() ? $"not valid before {c.NotBefore.ToUniversalTime():O}" : $"expired on {c.NotAfter.ToUniversalTime():O}";
                return new(null, CertificateRefusal.Expired, $"{what} {when} (checked at {at:O})", CertificateCheckDetails.Validity);
            }

            var unknown = CertificateExtensions.UnknownCriticalExtensions(c, options.AcceptedCriticalExtensions).ToArray();
            if (unknown.Length > 0)
            {
                return new(null, CertificateRefusal.Untrusted, $"'{path[i].SubjectName}' has unknown critical extensions {string.Join(',', unknown)}", CertificateCheckDetails.CriticalExtension);
            }
        }

        // CAs: every issuer in the path (the anchor included when it states constraints).
        for (var i = 1; i < path.Count; i++)
        {
            var ca = path[i].Certificate;
            var bc = CertificateExtensions.BasicConstraints(ca);
            var isAnchor = i == path.Count - 1;
            if (bc is null ? !isAnchor : !bc.CertificateAuthority)
            {
                return new(null, CertificateRefusal.Untrusted, $"'{path[i].CommonName}' issues certificates but is not a CA (basicConstraints)", CertificateCheckDetails.CaConstraints);
            }

            // pathLenConstraint: number of non-self-issued intermediates below this CA.
            if (bc is { HasPathLengthConstraint: true } && i - 1 > bc.PathLengthConstraint)
            {
                return new(null, CertificateRefusal.Untrusted, $"'{path[i].CommonName}' allows a path length of {bc.PathLengthConstraint}", CertificateCheckDetails.CaConstraints);
            }

            if (CertificateExtensions.KeyUsage(ca) is { } ku && (ku.KeyUsages & X509KeyUsageFlags.KeyCertSign) == 0)
            {
                return new(null, CertificateRefusal.Untrusted, $"'{path[i].CommonName}' has no keyCertSign key usage", CertificateCheckDetails.CaConstraints);
            }
        }

        if (CheckNames(path) is { } nameRefusal)
        {
            return nameRefusal;
        }

        var policies = CertificatePolicyTree.Process(path);
        if (!policies.Valid)
        {
            return new(null, CertificateRefusal.Untrusted, policies.Refusal!, CertificateCheckDetails.Policy);
        }

        var leafCert = leaf.Certificate;
        if (path.Count > 1 && CertificateExtensions.BasicConstraints(leafCert) is { CertificateAuthority: true })
        {
            return new(null, CertificateRefusal.Usage, "a CA certificate cannot authenticate an end entity", CertificateCheckDetails.Usage);
        }

        var leafKu = CertificateExtensions.KeyUsage(leafCert)?.KeyUsages;
        var ekus = CertificateExtensions.ExtendedKeyUsages(leafCert);
        foreach (var flag in new[] { CertificateUsage.ClientAuth, CertificateUsage.ServerAuth, CertificateUsage.EmailProtection })
        {
            if ((usage & flag) == 0)
            {
                continue;
            }

            var accepted = flag switch
            {
                CertificateUsage.ClientAuth => options.ClientAuthExtendedKeyUsages,
                CertificateUsage.ServerAuth => options.ServerAuthExtendedKeyUsages,
                _ => options.EmailProtectionExtendedKeyUsages,
            };
            if (ekus is null)
            {
                if (options.RequireExtendedKeyUsage)
                {
                    return new(null, CertificateRefusal.Usage, $"no extended key usage extension ({flag} required)", CertificateCheckDetails.Usage);
                }
            }
            else if (!ekus.Any(accepted.Contains))
            {
                return new(null, CertificateRefusal.Usage, $"extended key usage {string.Join(',', ekus)} does not allow {flag}", CertificateCheckDetails.Usage);
            }

            var neededKu = flag switch
            {
                CertificateUsage.ClientAuth => X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement,
                CertificateUsage.ServerAuth => X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement,
                _ => X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation,
            };
            if (leafKu is { } k && (k & neededKu) == 0)
            {
                return new(null, CertificateRefusal.Usage, $"key usage {k} does not allow {flag}", CertificateCheckDetails.Usage);
            }
        }

        // The listener's policies are the user-initial-policy-set of RFC 5280 §6.1.1 (c): one of them must
        // be valid for the whole path, not merely asserted by the end certificate.
        var leafPolicies = policies.LeafPolicies;
        if (acceptedPolicies is { Count: > 0 } && !policies.Accepts(acceptedPolicies))
        {
            var asserted = CertificateExtensions.Policies(leaf.Bc);
            return new(null, CertificateRefusal.Usage, $"no certificate policy of [{string.Join(',', acceptedPolicies)}] is valid for this path (end certificate asserts [{string.Join(',', asserted)}], path validates [{string.Join(',', leafPolicies)}])", CertificateCheckDetails.PolicyNotAccepted);
        }

        return new(path, null, "path valid", CertificateCheckDetails.Ok, policies);
    }

    /// <summary>Name constraints along the path (RFC 5280 §6.1.3 (b), (c), §6.1.4 (g)), the anchor's first (RFC 5937).</summary>
    private static PathResult? CheckNames(IReadOnlyList<TrustedCertificate> path)
    {
        var constraints = new NameConstraintSet();
        if (constraints.Add(path[^1]) is { } anchorError)
        {
            return new(null, CertificateRefusal.Untrusted, anchorError, CertificateCheckDetails.NameFormUnsupported);
        }

        for (var i = path.Count - 2; i >= 0; i--)
        {
            var cert = path[i];
            var isLeaf = i == 0;
            if (!constraints.IsEmpty && (isLeaf || !cert.IsSelfIssued))
            {
                CertificateNames names;
                try
                {
                    names = CertificateNames.Of(cert, withCommonNameHost: isLeaf);
                }
                catch (System.Formats.Asn1.AsnContentException ex)
                {
                    return new(null, CertificateRefusal.Untrusted, $"the subjectAltName of '{cert.SubjectName}' cannot be read: {ex.Message}", CertificateCheckDetails.Unreadable);
                }

                if (constraints.Check(names, isLeaf ? "the certificate" : $"CA '{cert.CommonName}'") is { } refusal)
                {
                    return new(null, CertificateRefusal.Untrusted, refusal.Text, refusal.Code);
                }
            }

            if (!isLeaf && constraints.Add(cert) is { } error)
            {
                return new(null, CertificateRefusal.Untrusted, error, CertificateCheckDetails.NameFormUnsupported);
            }
        }

        return null;
    }

    private static IEnumerable<TrustedCertificate> Candidates(string issuerKey, TrustAnchorSet anchors, IReadOnlyList<TrustedCertificate> extra)
    {
        if (anchors.AnchorsBySubject.TryGetValue(issuerKey, out var a))
        {
            foreach (var c in a)
            {
                yield return c;
            }
        }

        if (anchors.IntermediatesBySubject.TryGetValue(issuerKey, out var m))
        {
            foreach (var c in m)
            {
                yield return c;
            }
        }

        foreach (var c in extra)
        {
            if (c.SubjectKey == issuerKey)
            {
                yield return c;
            }
        }
    }
}

using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace MssGateway.Trust;

/// <summary>
/// Reads an ETSI TS 119 612 trusted list (TrustServiceStatusList, namespace
/// <c>http://uri.etsi.org/02231/v2#</c>): checks its enveloped XML signature (XMLDSig) with the
/// list operator's pinned certificate, refuses a list past its NextUpdate, and returns the CA
/// certificates of the services whose type and status are accepted. Against signature wrapping,
/// the signature must cover the document element itself and only the path
/// TrustServiceStatusList/TrustServiceProviderList/… of that element is read: data anywhere else
/// (inside ds:Object, a second root copy, siblings) is ignored.
/// </summary>
public static class TrustedListReader
{
    public const string Namespace = "http://uri.etsi.org/02231/v2#";

    /// <summary>The anchors a valid list gives, and its NextUpdate.</summary>
    public sealed record Result(IReadOnlyList<X509Certificate2> Certificates, DateTimeOffset? NextUpdate, DateTimeOffset? IssueDate);

    /// <exception cref="TrustedListException">The list is unsigned, wrongly signed, wrapped, expired or malformed.</exception>
    public static Result Read(string path, X509Certificate2 signer, TrustedListOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var stream = File.OpenRead(path);
        return Read(stream, signer, options, now);
    }

    /// <exception cref="TrustedListException">The list is unsigned, wrongly signed, wrapped, expired or malformed.</exception>
    public static Result Read(Stream xml, X509Certificate2 signer, TrustedListOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(options);
        var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(xml, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            doc.Load(reader);
        }
        catch (Exception ex) when (ex is XmlException or ArgumentException)
        {
            // ArgumentException: XmlDocument refuses a bad version in the XML declaration that way (fuzzing finding).
            throw new TrustedListException($"trusted list is not well-formed XML: {ex.Message}", ex);
        }

        var root = doc.DocumentElement;
        if (root is null || root.LocalName != "TrustServiceStatusList" || root.NamespaceURI != Namespace)
        {
            throw new TrustedListException("document element is not a TrustServiceStatusList of namespace " + Namespace);
        }

        VerifySignature(doc, root, signer);

        var ns = new XmlNamespaceManager(doc.NameTable);
        ns.AddNamespace("tsl", Namespace);

        // Only direct paths from the signed root element are read.
        var nextUpdateText = root.SelectSingleNode("tsl:SchemeInformation/tsl:NextUpdate/tsl:dateTime", ns)?.InnerText;
        var issueText = root.SelectSingleNode("tsl:SchemeInformation/tsl:ListIssueDateTime", ns)?.InnerText;
        DateTimeOffset? nextUpdate = ParseTime(nextUpdateText);
        if (nextUpdate is null)
        {
            throw new TrustedListException("trusted list has no SchemeInformation/NextUpdate/dateTime (a closed list is not used)");
        }

        if (now > nextUpdate)
        {
            throw new TrustedListException($"trusted list is past its NextUpdate ({nextUpdate:O})");
        }

        var certificates = new List<X509Certificate2>();
        var services = root.SelectNodes("tsl:TrustServiceProviderList/tsl:TrustServiceProvider/tsl:TSPServices/tsl:TSPService/tsl:ServiceInformation", ns);
        foreach (XmlElement info in services?.OfType<XmlElement>() ?? [])
        {
            var type = info.SelectSingleNode("tsl:ServiceTypeIdentifier", ns)?.InnerText.Trim();
            var status = info.SelectSingleNode("tsl:ServiceStatus", ns)?.InnerText.Trim();
            if (type is null || status is null
                || (options.ServiceTypes.Count > 0 && !options.ServiceTypes.Contains(type, StringComparer.Ordinal))
                || !options.GrantedStatuses.Contains(status, StringComparer.Ordinal))
            {
                continue;
            }

            foreach (XmlElement cert in info.SelectNodes("tsl:ServiceDigitalIdentity/tsl:DigitalId/tsl:X509Certificate", ns)?.OfType<XmlElement>() ?? [])
            {
                try
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(cert.InnerText.Trim())));
                }
                catch (Exception ex) when (ex is FormatException or System.Security.Cryptography.CryptographicException)
                {
                    throw new TrustedListException("a granted service carries an unreadable X509Certificate: " + ex.Message, ex);
                }
            }
        }

        return new Result(certificates, nextUpdate, ParseTime(issueText));
    }

    private static void VerifySignature(XmlDocument doc, XmlElement root, X509Certificate2 signer)
    {
        var signatures = root.ChildNodes.OfType<XmlElement>()
            .Where(e => e.LocalName == "Signature" && e.NamespaceURI == SignedXml.XmlDsigNamespaceUrl)
            .ToArray();
        if (signatures.Length != 1)
        {
            throw new TrustedListException($"trusted list must carry exactly one enveloped ds:Signature child of its root (found {signatures.Length})");
        }

        var signed = new SignedXml(doc);
        try
        {
            signed.LoadXml(signatures[0]);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or FormatException)
        {
            // FormatException: SignedXml decodes SignatureValue and the KeyInfo base64 here (fuzzing finding).
            throw new TrustedListException("trusted list signature is malformed: " + ex.Message, ex);
        }

        // The one Reference must designate the root element: "" (whole document) or "#<Id of the root>".
        var references = signed.SignedInfo?.References.OfType<Reference>().ToArray() ?? [];
        var rootReferences = references.Where(r => ReferencesRoot(doc, root, r.Uri) && OnlyWholeTransforms(r)).ToArray();
        if (rootReferences.Length != 1)
        {
            throw new TrustedListException("trusted list signature does not cover the TrustServiceStatusList element (signature wrapping?)");
        }

        bool valid;
        try
        {
            valid = signed.CheckSignature(signer, verifySignatureOnly: true);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new TrustedListException("trusted list signature could not be checked: " + ex.Message, ex);
        }

        if (!valid)
        {
            throw new TrustedListException("trusted list signature does not verify with the configured signer certificate " + signer.Subject);
        }
    }

    // Transforms that select a subset (XPath, XSLT) would let unsigned data through: only the enveloped
    // transform and canonicalisations are accepted.
    private static bool OnlyWholeTransforms(Reference reference) =>
        Enumerable.Range(0, reference.TransformChain.Count).Select(i => reference.TransformChain[i]).All(t => t.Algorithm is SignedXml.XmlDsigEnvelopedSignatureTransformUrl
            or SignedXml.XmlDsigExcC14NTransformUrl or SignedXml.XmlDsigExcC14NWithCommentsTransformUrl
            or SignedXml.XmlDsigC14NTransformUrl or SignedXml.XmlDsigC14NWithCommentsTransformUrl
            or "http://www.w3.org/2006/12/xml-c14n11");

    private static bool ReferencesRoot(XmlDocument doc, XmlElement root, string? uri)
    {
        if (string.IsNullOrEmpty(uri))
        {
            return true;
        }

        if (!uri.StartsWith('#'))
        {
            return false;
        }

        var id = uri[1..];
        // The Id must be the root's and unique in the document (a duplicate Id is a wrapping attempt).
        var holders = doc.SelectNodes($"//*[@Id='{id.Replace("'", string.Empty, StringComparison.Ordinal)}' or @ID='{id.Replace("'", string.Empty, StringComparison.Ordinal)}' or @id='{id.Replace("'", string.Empty, StringComparison.Ordinal)}']");
        return holders is { Count: 1 } && ReferenceEquals(holders[0], root);
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text?.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
}

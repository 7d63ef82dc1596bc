using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;
using MssGateway.Trust;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// The ETSI TS 119 612 trusted-list reader (<see cref="TrustedListReader.Read(Stream, System.Security.Cryptography.X509Certificates.X509Certificate2, TrustedListOptions, DateTimeOffset)"/>):
/// XML parsing, the enveloped-signature and anti-wrapping checks, then the services and their
/// certificates. In the <c>trusted-list-signed</c> form the input's root is (re)signed here with the
/// pinned signer's key, so mutations reach the code behind the signature. Documented rejection:
/// <see cref="TrustedListException"/>.
/// </summary>
public sealed class TrustedListTarget(FuzzContext context, bool signed) : IFuzzTarget
{
    public string Name => signed ? "trusted-list-signed" : "trusted-list";

    public string Description => signed
        ? "TrustedListReader.Read of the input re-signed here (services, statuses, certificates); bad input = TrustedListException"
        : "TrustedListReader.Read of the raw XML (XMLDSig structure, wrapping checks); bad input = TrustedListException";

    public string Dictionary => "xml.dict";

    public FuzzOutcome Run(byte[] input)
    {
        var xml = input;
        if (signed)
        {
            var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
            try
            {
                using var reader = XmlReader.Create(new MemoryStream(input, writable: false), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
                doc.Load(reader);
            }
            catch (Exception ex) when (ex is XmlException or ArgumentException)
            {
                return FuzzOutcome.Skipped; // the reader refuses it the same way, before the signature
            }

            if (doc.DocumentElement is null)
            {
                return FuzzOutcome.Skipped;
            }

            xml = Sign(doc, context.Pki);
        }

        try
        {
            using var stream = new MemoryStream(xml, writable: false);
            _ = TrustedListReader.Read(stream, context.Pki.ListSigner, new TrustedListOptions(), DateTimeOffset.UtcNow);
            return FuzzOutcome.Accepted;
        }
        catch (TrustedListException)
        {
            return FuzzOutcome.Rejected;
        }
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds()
    {
        var list = List(context.Pki, DateTimeOffset.UtcNow.AddYears(5));
        yield return new("granted-and-withdrawn.xml", signed ? list : Sign(Load(list), context.Pki));
        var unsigned = Encoding.UTF8.GetString(list);
        yield return new("with-id.xml", Sign(Load(Encoding.UTF8.GetBytes(unsigned.Replace("<TrustServiceStatusList ", "<TrustServiceStatusList Id=\"tsl\" ", StringComparison.Ordinal))), context.Pki, "#tsl"));
    }

    /// <summary>An enveloped XMLDSig over the root (exclusive c14n, RSA-SHA256), replacing any signature the root carried.</summary>
    public static byte[] Sign(XmlDocument doc, FuzzPki pki, string referenceUri = "")
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(pki);
        var root = doc.DocumentElement!;
        foreach (var old in root.ChildNodes.OfType<XmlElement>().Where(e => e.LocalName == "Signature" && e.NamespaceURI == SignedXml.XmlDsigNamespaceUrl).ToArray())
        {
            root.RemoveChild(old);
        }

        var signedXml = new SignedXml(doc) { SigningKey = pki.ListSignerKey };
        signedXml.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signedXml.SignedInfo.SignatureMethod = SignedXml.XmlDsigRSASHA256Url;
        var reference = new Reference(referenceUri) { DigestMethod = SignedXml.XmlDsigSHA256Url };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform());
        signedXml.AddReference(reference);
        try
        {
            signedXml.ComputeSignature();
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            // An Id reference the document does not hold: keep the list unsigned (the reader refuses it).
            return Encoding.UTF8.GetBytes(doc.OuterXml);
        }

        root.AppendChild(doc.ImportNode(signedXml.GetXml(), deep: true));
        return Encoding.UTF8.GetBytes(doc.OuterXml);
    }

    private static XmlDocument Load(byte[] xml)
    {
        var doc = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using var reader = XmlReader.Create(new MemoryStream(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        doc.Load(reader);
        return doc;
    }

    /// <summary>A small list: one granted CA (the fuzz root), one withdrawn (the leaf, for shape).</summary>
    private static byte[] List(FuzzPki pki, DateTimeOffset nextUpdate)
    {
        static string Service(string certificate, string status) => $"""
              <TrustServiceProvider><TSPInformation><TSPName><Name xml:lang="fr">ANS</Name></TSPName></TSPInformation>
                <TSPServices><TSPService><ServiceInformation>
                  <ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>
                  <ServiceName><Name xml:lang="fr">AC IGC-Santé</Name></ServiceName>
                  <ServiceDigitalIdentity><DigitalId><X509Certificate>{certificate}</X509Certificate></DigitalId></ServiceDigitalIdentity>
                  <ServiceStatus>{status}</ServiceStatus>
                  <StatusStartingTime>2026-01-01T00:00:00Z</StatusStartingTime>
                </ServiceInformation></TSPService></TSPServices>
              </TrustServiceProvider>
            """;
        var text = $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <TrustServiceStatusList xmlns="{TrustedListReader.Namespace}" TSLTag="http://uri.etsi.org/19612/TSLTag">
              <SchemeInformation>
                <TSLVersionIdentifier>5</TSLVersionIdentifier>
                <TSLSequenceNumber>1</TSLSequenceNumber>
                <ListIssueDateTime>2026-01-01T00:00:00Z</ListIssueDateTime>
                <NextUpdate><dateTime>{nextUpdate.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}</dateTime></NextUpdate>
              </SchemeInformation>
              <TrustServiceProviderList>
            {Service(Convert.ToBase64String(pki.Root.RawData), "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted")}
            {Service(Convert.ToBase64String(pki.Leaf.RawData), "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn")}
              </TrustServiceProviderList>
            </TrustServiceStatusList>
            """;
        return Encoding.UTF8.GetBytes(text);
    }
}

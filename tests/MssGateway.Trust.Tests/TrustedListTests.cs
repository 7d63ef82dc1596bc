using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;
using MssGateway.Testing;

namespace MssGateway.Trust.Tests;

/// <summary>
/// ETSI TS 119 612 trusted lists, generated and signed at test time (System.Security.Cryptography.Xml,
/// openssl-made signer): only granted CAs are trusted; tampered, wrapped, unsigned or expired lists are refused.
/// </summary>
[Collection(PkiCollection.Name)]
public sealed class TrustedListTests(TestPki pki) : IDisposable
{
    private const string Ns = TrustedListReader.Namespace;
    private const string Granted = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted";
    private const string Withdrawn = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn";
    private readonly TempDirectory _work = new("mssgw-trust");

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Signed_list_trusts_only_its_granted_ca()
    {
        var path = WriteList(Sign(BuildList(DateTimeOffset.UtcNow.AddDays(30))));
        using var engine = TrustedListEngine(path);
        var status = engine.GetStatus();
        Assert.Equal(1, status.TrustedListCertificateCount);
        Assert.Null(status.TrustedListError);
        Assert.NotNull(status.TrustedListNextUpdate);

        var granted = await engine.ValidateAsync(pki.Leaf("tl-granted-user"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(granted.IsTrusted, granted.Detail);
        var withdrawn = await engine.ValidateAsync(pki.Leaf("tl-withdrawn-user"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(withdrawn, "client_cert_untrusted", 535, "5.7.8");
    }

    [Fact]
    public void Tampered_list_is_refused()
    {
        var doc = Sign(BuildList(DateTimeOffset.UtcNow.AddDays(30)));
        // Flip the withdrawn service to granted after signing.
        var status = doc.GetElementsByTagName("ServiceStatus", Ns).OfType<XmlElement>().Single(e => e.InnerText == Withdrawn);
        status.InnerText = Granted;
        var ex = Assert.Throws<TrustedListException>(() => Read(doc));
        Assert.Contains("does not verify", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_outside_the_signed_element_is_ignored()
    {
        // A whole extra provider with the withdrawn CA as granted, hidden in ds:Object of the signature:
        // the signature still verifies (enveloped transform), but nothing there is read.
        var doc = Sign(BuildList(DateTimeOffset.UtcNow.AddDays(30)));
        var signature = doc.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl)[0]!;
        var obj = doc.CreateElement("ds", "Object", SignedXml.XmlDsigNamespaceUrl);
        var list = doc.CreateElement("TrustServiceProviderList", Ns);
        list.AppendChild(Provider(doc, pki.Ca("tl-withdrawn"), Granted));
        obj.AppendChild(list);
        signature.AppendChild(obj);

        var result = Read(doc);
        Assert.Single(result.Certificates);
        Assert.Equal(pki.Ca("tl-granted").Thumbprint, result.Certificates[0].Thumbprint);
    }

    [Fact]
    public void Wrapped_list_whose_signature_covers_a_moved_element_is_refused()
    {
        // Classic wrapping: the signed list (with Id) moves inside ds:Object, a forged root takes its place.
        var signed = Sign(BuildList(DateTimeOffset.UtcNow.AddDays(30), id: "tsl"), referenceUri: "#tsl");
        var forged = BuildList(DateTimeOffset.UtcNow.AddDays(30), grantWithdrawn: true);
        var signature = (XmlElement)forged.ImportNode(signed.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl)[0]!, deep: true);
        var obj = forged.CreateElement("ds", "Object", SignedXml.XmlDsigNamespaceUrl);
        var original = (XmlElement)forged.ImportNode(signed.DocumentElement!, deep: true);
        original.RemoveChild(original.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl)[0]!);
        obj.AppendChild(original);
        signature.AppendChild(obj);
        forged.DocumentElement!.AppendChild(signature);

        var ex = Assert.Throws<TrustedListException>(() => Read(forged));
        Assert.Contains("wrapping", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsigned_list_is_refused()
    {
        var ex = Assert.Throws<TrustedListException>(() => Read(BuildList(DateTimeOffset.UtcNow.AddDays(30))));
        Assert.Contains("exactly one enveloped ds:Signature", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void List_signed_by_another_key_is_refused()
    {
        using var other = RSA.Create(2048);
        var ex = Assert.Throws<TrustedListException>(() => Read(Sign(BuildList(DateTimeOffset.UtcNow.AddDays(30)), key: other)));
        Assert.Contains("does not verify", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_past_its_next_update_is_refused_and_its_cas_not_trusted()
    {
        var path = WriteList(Sign(BuildList(DateTimeOffset.UtcNow.AddHours(-1))));
        using var engine = TrustedListEngine(path);
        var status = engine.GetStatus();
        Assert.Contains("NextUpdate", status.TrustedListError, StringComparison.Ordinal);
        Assert.True(status.IsStale);
        var verdict = await engine.ValidateAsync(pki.Leaf("tl-granted-user"), null, CertificateUsage.ClientAuth, null, default);
        PathValidationTests.AssertRefused(verdict, "client_cert_untrusted", 535, "5.7.8");
    }

    [Fact]
    public async Task New_list_is_picked_up_without_restart()
    {
        var path = WriteList(Sign(BuildList(DateTimeOffset.UtcNow.AddHours(-1))));
        using var engine = TrustedListEngine(path);
        Assert.Equal(0, engine.GetStatus().TrustedListCertificateCount);

        WriteList(Sign(BuildList(DateTimeOffset.UtcNow.AddDays(30))), path);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        await engine.RefreshAsync(default);
        Assert.Equal(1, engine.GetStatus().TrustedListCertificateCount);
        var verdict = await engine.ValidateAsync(pki.Leaf("tl-granted-user"), null, CertificateUsage.ClientAuth, null, default);
        Assert.True(verdict.IsTrusted, verdict.Detail);
    }

    private CertificateTrustEngine TrustedListEngine(string path) => pki.Engine(_work, o =>
    {
        o.AnchorPaths = [];
        o.TrustedList.Path = path;
        o.TrustedList.SignerCertificateFile = pki.File("tl-signer.pem");
        o.Revocation.Enabled = false;
        o.Revocation.CrlFiles = [];
    });

    private TrustedListReader.Result Read(XmlDocument doc)
    {
        using var stream = new MemoryStream();
        doc.Save(stream);
        stream.Position = 0;
        return TrustedListReader.Read(stream, pki.Ca("tl-signer"), new TrustedListOptions(), DateTimeOffset.UtcNow);
    }

    private string WriteList(XmlDocument doc, string? path = null)
    {
        path ??= _work.Combine("tsl-" + Guid.NewGuid().ToString("N") + ".xml");
        doc.Save(path);
        return path;
    }

    private XmlDocument BuildList(DateTimeOffset nextUpdate, string? id = null, bool grantWithdrawn = false)
    {
        var doc = new XmlDocument { PreserveWhitespace = true };
        var root = doc.CreateElement("TrustServiceStatusList", Ns);
        if (id is not null)
        {
            root.SetAttribute("Id", id);
        }

        doc.AppendChild(root);
        var scheme = Append(doc, root, "SchemeInformation");
        Append(doc, scheme, "TSLVersionIdentifier").InnerText = "5";
        Append(doc, scheme, "ListIssueDateTime").InnerText = DateTimeOffset.UtcNow.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        Append(doc, Append(doc, scheme, "NextUpdate"), "dateTime").InnerText = nextUpdate.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var providers = Append(doc, root, "TrustServiceProviderList");
        providers.AppendChild(Provider(doc, pki.Ca("tl-granted"), Granted));
        providers.AppendChild(Provider(doc, pki.Ca("tl-withdrawn"), grantWithdrawn ? Granted : Withdrawn));
        return doc;
    }

    private static XmlElement Provider(XmlDocument doc, X509Certificate2 ca, string status)
    {
        var tsp = doc.CreateElement("TrustServiceProvider", Ns);
        var service = Append(doc, Append(doc, tsp, "TSPServices"), "TSPService");
        var info = Append(doc, service, "ServiceInformation");
        Append(doc, info, "ServiceTypeIdentifier").InnerText = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC";
        Append(doc, Append(doc, info, "ServiceName"), "Name").InnerText = ca.GetNameInfo(X509NameType.SimpleName, false);
        Append(doc, Append(doc, Append(doc, info, "ServiceDigitalIdentity"), "DigitalId"), "X509Certificate").InnerText = Convert.ToBase64String(ca.RawData);
        Append(doc, info, "ServiceStatus").InnerText = status;
        return tsp;
    }

    private static XmlElement Append(XmlDocument doc, XmlElement parent, string name)
    {
        var e = doc.CreateElement(name, Ns);
        parent.AppendChild(e);
        return e;
    }

    private XmlDocument Sign(XmlDocument doc, string referenceUri = "", RSA? key = null)
    {
        using var signer = X509CertificateLoader.LoadPkcs12FromFile(pki.File("tl-signer.p12"), "test");
        using var signerKey = signer.GetRSAPrivateKey()!;
        var signed = new SignedXml(doc) { SigningKey = key ?? signerKey };
        signed.SignedInfo!.CanonicalizationMethod = SignedXml.XmlDsigExcC14NTransformUrl;
        signed.SignedInfo.SignatureMethod = SignedXml.XmlDsigRSASHA256Url;
        var reference = new Reference(referenceUri) { DigestMethod = SignedXml.XmlDsigSHA256Url };
        reference.AddTransform(new XmlDsigEnvelopedSignatureTransform());
        reference.AddTransform(new XmlDsigExcC14NTransform());
        signed.AddReference(reference);
        var keyInfo = new KeyInfo();
        keyInfo.AddClause(new KeyInfoX509Data(signer));
        signed.KeyInfo = keyInfo;
        signed.ComputeSignature();
        doc.DocumentElement!.AppendChild(doc.ImportNode(signed.GetXml(), deep: true));
        return doc;
    }
}

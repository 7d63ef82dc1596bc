using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MssGateway.Directory;
using MssGateway.Policy;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// The end-of-data policy as the host runs it: <see cref="MessagePolicy.EvaluateAsync"/> over the
/// stored message (a seekable stream from offset 0), which drives MimeStructureScanner (MimeKit's
/// event reader), the opaque S/MIME unwrapping and the CMS verification. Its documented answer to a
/// bad message is a verdict (mime_malformed, mime_too_complex, attachments_too_big, smime fail); it
/// never throws. The signer validator trusts every signer: the policy's own code is under test,
/// not the trust engine.
/// </summary>
public sealed class MimeStructureTarget : IFuzzTarget, IDisposable
{
    private readonly FuzzContext _context;
    private readonly ServiceProvider _services;
    private readonly MessagePolicy _policy;

    public MimeStructureTarget(FuzzContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        var dir = context.NewScratchDirectory();
        var directoryFile = Path.Combine(dir, "directory.json");
        File.WriteAllText(directoryFile, """
            {"mailboxes":[{"address":"marie.dupont@hopital.mssante.test","kind":"Personal","nationalIdentifier":"810100000008","lastName":"DUPONT"}],"authorisedDomains":[]}
            """);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Policy:AuthServId"] = "gw.fuzz.mssante.test",
            ["Gateway:Policy:TempPath"] = dir,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IMailboxDirectory>(new FileMailboxDirectory(directoryFile));
        services.AddSingleton<ISmimeSignerValidator>(new TrustingValidator());
        services.AddSingleton<IConfiguration>(configuration).AddMessagePolicy();
        _services = services.BuildServiceProvider();
        _policy = _services.GetRequiredService<MessagePolicy>();
    }

    public string Name => "mime";

    public string Description => "MessagePolicy.EvaluateAsync → MimeStructureScanner, opaque S/MIME unwrapping, CMS verification; bad input = a refusal verdict, never an exception";

    public string Dictionary => "mime.dict";

    public FuzzOutcome Run(byte[] input)
    {
        using var message = new MemoryStream(input, writable: false);
        var context = new MessagePolicyContext
        {
            ListenerName = "submission",
            SmimePolicy = SmimePolicy.Tag,
            ClientCertificateSubject = FuzzPki.LeafSubject,
            ClientNationalIdentifier = "810100000008",
            EnvelopeSender = FuzzPki.LeafEmail,
        };

        // SharpFuzz calls a synchronous action: block on the one evaluation (no context to deadlock on).
        var verdict = _policy.EvaluateAsync(message, context, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return verdict.IsAccepted ? FuzzOutcome.Accepted : FuzzOutcome.Rejected;
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds()
    {
        const string headers = "From: Marie Dupont <marie.dupont@hopital.mssante.test>\r\nTo: dest@hopital.mssante.test\r\nSubject: CR\r\nMIME-Version: 1.0\r\n";
        var body = Encoding.ASCII.GetBytes("Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n");
        using var signer = _context.Pki.LeafWithKey();

        var detached = new SignedCms(new ContentInfo(body), detached: true);
        detached.ComputeSignature(new CmsSigner(signer) { IncludeOption = X509IncludeOption.EndCertOnly });
        var signature = Convert.ToBase64String(detached.Encode(), Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n");
        yield return new("signed-detached.eml", Encoding.ASCII.GetBytes(
            headers + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"=_s\"\r\n\r\n" +
            "--=_s\r\n" + Encoding.ASCII.GetString(body) + "\r\n--=_s\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n" +
            "Content-Transfer-Encoding: base64\r\n\r\n" + signature + "\r\n--=_s--\r\n"));

        var opaque = new SignedCms(new ContentInfo(body), detached: false);
        opaque.ComputeSignature(new CmsSigner(signer) { IncludeOption = X509IncludeOption.EndCertOnly });
        yield return new("signed-opaque.eml", Encoding.ASCII.GetBytes(
            headers + "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
            Convert.ToBase64String(opaque.Encode(), Base64FormattingOptions.InsertLineBreaks).ReplaceLineEndings("\r\n") + "\r\n"));
    }

    public void Dispose() => _services.Dispose();

    private sealed class TrustingValidator : ISmimeSignerValidator
    {
        public ValueTask<SignerValidation> ValidateAsync(X509Certificate2 signer, X509Certificate2Collection extraCertificates, DateTimeOffset? signingTime, CancellationToken ct) =>
            ValueTask.FromResult(SignerValidation.Trusted("810100000008", [FuzzPki.LeafEmail]));
    }
}

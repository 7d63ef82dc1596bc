using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using MssGateway.Directory;
using MssGateway.Policy;
using MssGateway.Policy.Bench;

// Policy throughput: messages/s for a 100 KB signed message, MB/s for large ones.
// Usage: dotnet run -c Release --project bench/PolicyBench [-- seconds-per-case [rounds]]
// Each case runs `rounds` times (default 3) and the best round is reported: the machine may be shared.
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
const string From = "dev.sender@hopital.mssante.test";
var work = Directory.CreateTempSubdirectory("mssgw-policybench-");
try
{
    using var pki = new BenchPki(From);
    var directoryFile = Path.Combine(work.FullName, "directory.json");
    File.WriteAllText(directoryFile, "{\"mailboxes\":[{\"address\":\"" + From + "\",\"kind\":\"Personal\",\"nationalIdentifier\":\"899700012349\"}],\"authorisedDomains\":[]}");

    using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    var options = Options.Create(new MessagePolicyOptions { AuthServId = "gw.bench.test", TempPath = work.FullName, MaxAttachmentBytes = 100_000_000 });
    var directory = new FileMailboxDirectory(directoryFile);
    var policy = new MessagePolicy(options, new ChainSignerValidator(pki.Root), directory, new SenderBindingPolicy(directory, new MssGateway.Trust.SenderBinding(directory)), new PolicyMetrics(services.GetRequiredService<IMeterFactory>()));

    var cases = new List<(string Name, string Path, SmimePolicy Smime, SmimeVerdict Expected)>
    {
        ("100 KB unsigned (text + 70 KB PDF)", Write(work, "u100k.eml", Message(From, 70_000, null, false)), SmimePolicy.Tag, SmimeVerdict.None),
        ("100 KB signed, detached (multipart/signed)", Write(work, "d100k.eml", Message(From, 70_000, pki, false)), SmimePolicy.Require, SmimeVerdict.Pass),
        ("100 KB signed, opaque (pkcs7-mime signed-data)", Write(work, "o100k.eml", Message(From, 70_000, pki, true)), SmimePolicy.Require, SmimeVerdict.Pass),
        ("12.3 MB unsigned (9 MB PDF)", Write(work, "u9m.eml", Message(From, 9 * 1024 * 1024, null, false)), SmimePolicy.Tag, SmimeVerdict.None),
        ("12.3 MB signed, detached (9 MB PDF)", Write(work, "d9m.eml", Message(From, 9 * 1024 * 1024, pki, false)), SmimePolicy.Require, SmimeVerdict.Pass),
        ("12.3 MB signed, opaque (9 MB PDF)", Write(work, "o9m.eml", Message(From, 9 * 1024 * 1024, pki, true)), SmimePolicy.Require, SmimeVerdict.Pass),
        ("50 MB unsigned (36 MB of PDF)", Write(work, "u50m.eml", Message(From, 36_000_000, null, false)), SmimePolicy.Tag, SmimeVerdict.None),
    };

    Console.WriteLine($"PolicyBench: .NET {Environment.Version}, {Environment.ProcessorCount} logical CPUs, best of {rounds} rounds of {seconds:0.#} s per case, one thread");
    Console.WriteLine("| Case | Message octets | Messages/s | MB/s | Allocated per message |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    string? example = null;
    foreach (var (name, path, smime, expected) in cases)
    {
        var context = new MessagePolicyContext { ListenerName = "bench", SmimePolicy = smime, TlsVersion = "TLSv1.3", TlsCipher = "TLS_AES_256_GCM_SHA384", EnvelopeSender = From };
        var size = new FileInfo(path).Length;
        var first = await EvaluateAsync(policy, path, context);
        if (first.SmimeVerdict != expected || first.Refusal is not null)
        {
            throw new InvalidOperationException($"{name}: verdict {first.SmimeLabel}, refusal {first.RefusalReason}");
        }

        if (example is null && first.SmimeVerdict == SmimeVerdict.Pass)
        {
            example = first.AuthenticationResultsHeader;
        }

        var perSecond = 0.0;
        long allocated = 0;
        for (var round = 0; round < rounds; round++)
        {
            var n = 0;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < seconds)
            {
                await EvaluateAsync(policy, path, context);
                n++;
            }

            sw.Stop();
            allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / n;
            perSecond = Math.Max(perSecond, n / sw.Elapsed.TotalSeconds);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {size:N0} | {perSecond:N1} | {perSecond * size / 1e6:N1} | {allocated / 1024.0:N0} KiB |"));
    }

    Console.WriteLine();
    Console.WriteLine("Authentication-Results of the signed case:");
    Console.Write(example);
}
finally
{
    work.Delete(recursive: true);
}

static async Task<MessagePolicyVerdict> EvaluateAsync(MessagePolicy policy, string path, MessagePolicyContext context)
{
    await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 65536, FileOptions.Asynchronous | FileOptions.SequentialScan);
    return await policy.EvaluateAsync(file, context, CancellationToken.None);
}

static string Write(DirectoryInfo dir, string name, MimeMessage message)
{
    var path = Path.Combine(dir.FullName, name);
    using var file = File.Create(path);
    message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, file);
    return path;
}

static MimeMessage Message(string from, int pdfBytes, BenchPki? pki, bool opaque)
{
    var pdf = new byte[pdfBytes];
    new Random(1).NextBytes(pdf);
    var text = new TextPart("plain") { Text = string.Concat(Enumerable.Repeat("Compte rendu de consultation, resultats normaux.\n", 400)) };
    MimeEntity body = new Multipart("mixed")
    {
        text,
        new MimePart("application", "pdf")
        {
            Content = new MimeContent(new MemoryStream(pdf)),
            ContentTransferEncoding = ContentEncoding.Base64,
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            FileName = "cr.pdf",
        },
    };
    if (pki is not null)
    {
        using var ctx = new TemporarySecureMimeContext();
        var signer = new CmsSigner(pki.Signer) { DigestAlgorithm = DigestAlgorithm.Sha256 };
        body = opaque ? ApplicationPkcs7Mime.Sign(ctx, signer, body) : MultipartSigned.Create(ctx, signer, body);
    }

    var m = new MimeMessage();
    m.From.Add(MailboxAddress.Parse(from));
    m.To.Add(MailboxAddress.Parse("dev.recipient@hopital.mssante.test"));
    m.Subject = "Bench";
    m.Body = body;
    return m;
}

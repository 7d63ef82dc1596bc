using System.Text;
using System.Text.Json;
using MssGateway.Directory.Tests.Fixtures;
using MssGateway.Testing;

namespace MssGateway.Directory.Tests;

/// <summary>
/// Issue 12 rule 1 needs the reverse of the liste blanche: is an operator's certificate DN listed for
/// at least one domain (its null sender is then bound)? Both read sides answer with every listed DN,
/// the same instance until the list changes (callers cache what they derive).
/// </summary>
public sealed class OperatorCertificateSubjectsTests : IClassFixture<RedisFixture>, IDisposable
{
    private const string Xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
          <DateDeGeneration>2026-12-01T05:00:00</DateDeGeneration>
          <ListeDomaines>
            <Domaine><Nom>a.mssante.test</Nom><DNCertificatOperateur>CN=mx1.a.mssante.test,OU=1,O=A,C=FR</DNCertificatOperateur></Domaine>
            <Domaine><Nom>a.mssante.test</Nom><DNCertificatOperateur>CN=mx2.a.mssante.test,OU=1,O=A,C=FR</DNCertificatOperateur></Domaine>
            <Domaine><Nom>b.mssante.test</Nom><DNCertificatOperateur>CN=mx.operateur.test,OU=2,O=OP,C=FR</DNCertificatOperateur></Domaine>
            <Domaine><Nom>c.mssante.test</Nom><DNCertificatOperateur>CN=mx.operateur.test,OU=2,O=OP,C=FR</DNCertificatOperateur></Domaine>
          </ListeDomaines>
        </ListeBlancheMSSante>
        """;

    private static readonly string[] Expected = ["CN=mx.operateur.test,OU=2,O=OP,C=FR", "CN=mx1.a.mssante.test,OU=1,O=A,C=FR", "CN=mx2.a.mssante.test,OU=1,O=A,C=FR"];

    private readonly RedisFixture _f;
    private readonly TempDirectory _dir = new("mssgw-subjects");

    public OperatorCertificateSubjectsTests(RedisFixture fixture)
    {
        _f = fixture;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_redis_directory_lists_every_operator_DN_once_and_reuses_the_set_until_the_list_changes()
    {
        var listeBlanche = _dir.Combine("lb.xml");
        await File.WriteAllTextAsync(listeBlanche, Xml);
        var flat = _dir.Combine("flat.txt");
        await using (var w = new StreamWriter(flat))
        {
            DirectoryDataGenerator.WriteFlatFile(w, 10);
        }

        var options = SyncHarness.FlatFileOptions(_f.Redis.Configuration, "subjects", flat);
        options.AuthorisedDomains.Path = listeBlanche;
        await SyncHarness.RunAsync(_f.Connection, options);
        await using var reader = SyncHarness.Reader(_f.Connection, "subjects");

        var first = await reader.GetOperatorCertificateSubjectsAsync(CancellationToken.None);
        var second = await reader.GetOperatorCertificateSubjectsAsync(CancellationToken.None);

        Assert.Equal(Expected, first.Order(StringComparer.Ordinal));
        Assert.Same(first, second);

        await File.WriteAllTextAsync(listeBlanche, Xml.Replace("CN=mx.operateur.test,OU=2,O=OP,C=FR", "CN=mx.nouveau.test,OU=3,O=NEW,C=FR", StringComparison.Ordinal));
        await SyncHarness.RunAsync(_f.Connection, options);
        reader.Invalidate();

        var third = await reader.GetOperatorCertificateSubjectsAsync(CancellationToken.None);
        Assert.Contains("CN=mx.nouveau.test,OU=3,O=NEW,C=FR", third);
        Assert.DoesNotContain("CN=mx.operateur.test,OU=2,O=OP,C=FR", third);
    }

    [Fact]
    public async Task The_file_directory_lists_every_operator_DN_once()
    {
        var file = _dir.Combine("directory.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            mailboxes = Array.Empty<object>(),
            authorisedDomains = new object[]
            {
                new { domain = "a.mssante.test", operatorCertificateSubjects = new[] { Expected[1], Expected[2] } },
                new { domain = "b.mssante.test", operatorCertificateSubjects = new[] { Expected[0] } },
                new { domain = "c.mssante.test", operatorCertificateSubjects = new[] { Expected[0] } },
            },
        }), Encoding.UTF8);
        var directory = new FileMailboxDirectory(file);

        var subjects = await directory.GetOperatorCertificateSubjectsAsync(CancellationToken.None);

        Assert.Equal(Expected, subjects.Order(StringComparer.Ordinal));
        Assert.Same(subjects, await directory.GetOperatorCertificateSubjectsAsync(CancellationToken.None));
    }
}

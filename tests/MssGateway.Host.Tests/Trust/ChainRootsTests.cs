using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.Trust;

/// <summary>
/// SslStream's own chain build of a client certificate gets the configured roots (so its first pass
/// reaches one and .NET does not verify the chain again); the verdict stays the trust engine's.
/// </summary>
public sealed class ChainRootsTests
{
    [Fact]
    public async Task Only_the_self_issued_anchors_become_chain_roots()
    {
        var pki = await DevPki.SharedAsync();
        var dir = System.IO.Directory.CreateTempSubdirectory("mssgw-roots-");
        try
        {
            // A bundle with a root and an intermediate, as an operator's anchor file may hold.
            var bundle = Path.Combine(dir.FullName, "anchors.pem");
            await File.WriteAllTextAsync(bundle, await File.ReadAllTextAsync(pki.CaBundle) + await File.ReadAllTextAsync(pki.ServerChain));
            using var all = new DisposableCertificates(MssGateway.Trust.CertificateBundleReader.ReadPath(bundle));
            Assert.Contains(all.Items, c => !c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData));

            var roots = ServerCertificateLoader.RootsOf([bundle]);
            try
            {
                Assert.NotEmpty(roots);
                Assert.All(roots, r => Assert.Equal(r.SubjectName.Name, r.IssuerName.Name));
                var expected = all.Items.Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData)).Select(c => c.Thumbprint).Distinct().Order().ToList();
                Assert.Equal(expected, roots.Select(r => r.Thumbprint).Distinct().Order().ToList());
            }
            finally
            {
                foreach (var r in roots)
                {
                    r.Dispose();
                }
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private sealed class DisposableCertificates(IReadOnlyList<X509Certificate2> items) : IDisposable
    {
        public IReadOnlyList<X509Certificate2> Items { get; } = items;

        public void Dispose()
        {
            foreach (var c in Items)
            {
                c.Dispose();
            }
        }
    }
}

using MssGateway.Testing;

namespace MssGateway.Policy.Tests;

/// <summary>The singleton policy is safe to share between sessions and leaves nothing behind.</summary>
[Collection(SmimeCollection.Name)]
public sealed class PolicyResourceTests(SmimePki pki) : IDisposable
{
    private readonly TempDirectory _temp = new("mssgw-policy-tmp");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Unwrapped_opaque_content_goes_to_TempPath_and_is_deleted()
    {
        using var harness = new PolicyHarness(new CrlSignerValidator(pki), new Dictionary<string, string?> { ["TempPath"] = _temp.Path });
        var message = await pki.OpensslSignAsync("good", "Content-Type: text/plain\r\n\r\nBonjour\r\n", SmimePki.SenderAddress, opaque: true);

        var verdict = await harness.EvaluateAsync(message, SmimePolicy.Require);

        Assert.Equal(SmimeVerdict.Pass, verdict.SmimeVerdict);
        Assert.Empty(System.IO.Directory.EnumerateFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task Concurrent_evaluations_each_get_their_own_verdict()
    {
        using var harness = new PolicyHarness(new CrlSignerValidator(pki), new Dictionary<string, string?> { ["TempPath"] = _temp.Path });
        const string entity = "Content-Type: text/plain\r\n\r\nBonjour\r\n";
        var cases = new (byte[] Message, SmimeVerdict Expected)[]
        {
            (await pki.OpensslSignAsync("good", entity, SmimePki.SenderAddress, opaque: false), SmimeVerdict.Pass),
            (await pki.OpensslSignAsync("good", entity, SmimePki.SenderAddress, opaque: true), SmimeVerdict.Pass),
            (await pki.OpensslSignAsync("revoked", entity, SmimePki.SenderAddress, opaque: true), SmimeVerdict.Revoked),
            (await pki.OpensslSignAsync("other", entity, SmimePki.SenderAddress, opaque: false), SmimeVerdict.SignerMismatch),
            (TestMessages.PlainText(), SmimeVerdict.None),
        };

        var runs = Enumerable.Range(0, 40).Select(i => cases[i % cases.Length]).ToList();
        var verdicts = await Task.WhenAll(runs.Select(c => Task.Run(() => harness.EvaluateAsync(c.Message, SmimePolicy.Tag))));

        for (var i = 0; i < runs.Count; i++)
        {
            Assert.Equal(runs[i].Expected, verdicts[i].SmimeVerdict);
        }

        Assert.Empty(System.IO.Directory.EnumerateFileSystemEntries(_temp.Path));
    }
}

using MssGateway.Testing;

namespace MssGateway.Host.Tests.Cli;

/// <summary>
/// The queue CLI on an encrypted spool (issue 17): with the gateway's key it lists and shows as on a
/// clear spool, still without a byte of content; without the key it says what to give, instead of
/// listing nothing or crashing.
/// </summary>
public sealed class EncryptedQueueCliTests : IDisposable
{
    private readonly TestSpool _q = new(encrypted: true);

    public void Dispose() => _q.Dispose();

    [Fact]
    public async Task List_and_show_work_with_the_key_and_stay_content_free()
    {
        var id = await _q.AddAsync("dr.house@hopital-a.mssante.test", ["patient.care@hopital-b.mssante.test"], TimeSpan.FromMinutes(3), attempts: 1, lastReply: "451 4.4.1 try later");
        RawSpoolAssert.HoldsNone(_q.Path, TestSpool.SecretSubject, "dr.house@", "patient.care@");

        var list = await Mssgw.RunAsync(["queue", "list", "--spool", _q.Path, "--Gateway:Logging:HashAddresses=false", "--Gateway:Spool:Encryption:KeyFile=" + _q.KeyFile], null, null);
        Assert.True(list.ExitCode == 0, list.StdOut + list.StdErr);
        Assert.Contains(id, list.StdOut, StringComparison.Ordinal);
        Assert.Contains("dr.house@hopital-a.mssante.test", list.StdOut, StringComparison.Ordinal);

        var show = await Mssgw.RunAsync(["queue", "show", id, "--spool", _q.Path, "--Gateway:Logging:HashAddresses=false", "--Gateway:Spool:Encryption:KeyFile=" + _q.KeyFile], null, null);
        Assert.True(show.ExitCode == 0, show.StdOut + show.StdErr);
        Assert.Contains("patient.care@hopital-b.mssante.test", show.StdOut, StringComparison.Ordinal);
        Assert.Contains("451 4.4.1 try later", show.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(TestSpool.SecretSubject, show.StdOut + show.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Bonjour", show.StdOut + show.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_key_the_cli_says_the_spool_is_encrypted_and_which_key_to_give()
    {
        await _q.AddAsync("dr.house@hopital-a.mssante.test", ["patient.care@hopital-b.mssante.test"], TimeSpan.FromMinutes(3));
        var list = await Mssgw.RunAsync(["queue", "list", "--spool", _q.Path, "--Gateway:Logging:HashAddresses=false"], null, null);
        Assert.Equal(2, list.ExitCode);
        Assert.Contains("is encrypted and no key was given", list.StdErr, StringComparison.Ordinal);
        Assert.Contains("Gateway:Spool:Encryption:KeyFile", list.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("dr.house", list.StdOut + list.StdErr, StringComparison.Ordinal);
    }
}

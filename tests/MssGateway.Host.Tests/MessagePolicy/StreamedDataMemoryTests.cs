using System.Globalization;
using System.Text;
using MssGateway.Host.Tests.Trust;
using MssGateway.Spool;
using Xunit.Abstractions;

namespace MssGateway.Host.Tests.MessagePolicy;

/// <summary>
/// DESIGN.md §3 "streamed, never buffered whole": a 50 MB DATA stream without a SIZE parameter is
/// refused with 552 5.3.4 at end of data, and the gateway's peak resident memory (VmHWM) grows by
/// far less than the message. The class has its own gateway process so the peak is its own.
/// </summary>
public sealed class StreamedDataMemoryTests : IClassFixture<RunningGateway>
{
    private const long StreamBytes = 50L * 1024 * 1024;

    private readonly RunningGateway _gateway;
    private readonly ITestOutputHelper _output;

    public StreamedDataMemoryTests(RunningGateway gateway, ITestOutputHelper output)
    {
        _gateway = gateway;
        _output = output;
    }

    [Fact]
    public async Task A_50_MB_data_stream_without_size_is_refused_with_552_5_3_4_message_too_big_in_bounded_memory()
    {
        await using var c = await _gateway.ConnectAsync();
        (await c.CommandAsync("EHLO client.hopital-dev.mssante.test")).AssertCode(250);

        // Warm the data path with one small message, then take the peak.
        ReplyAssert.Queued(await PolicyMessages.SendAsync(c, Encoding.ASCII.GetBytes($"From: <{RunningGateway.Sender}>\r\nSubject: warm-up\r\n\r\nhello\r\n")));
        var before = PeakResidentBytes(_gateway.Process.ProcessId);

        (await c.CommandAsync($"MAIL FROM:<{RunningGateway.Sender}>")).AssertCode(250);
        (await c.CommandAsync($"RCPT TO:<{RunningGateway.Recipient}>")).AssertCode(250);
        (await c.CommandAsync("DATA")).AssertCode(354);
        var line = Encoding.ASCII.GetBytes(new string('x', 998) + "\r\n");
        var chunk = new byte[line.Length * 64];
        for (var i = 0; i < 64; i++)
        {
            line.CopyTo(chunk, i * line.Length);
        }

        var header = Encoding.ASCII.GetBytes($"From: <{RunningGateway.Sender}>\r\nSubject: big stream\r\n\r\n");
        await c.SendBytesAsync(header);
        long sent = header.Length;
        while (sent < StreamBytes)
        {
            await c.SendBytesAsync(chunk);
            sent += chunk.Length;
        }

        await c.SendBytesAsync(Encoding.ASCII.GetBytes(".\r\n"));
        var reply = await c.ReadReplyAsync();
        var after = PeakResidentBytes(_gateway.Process.ProcessId);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sent {sent} octets; gateway VmHWM before {before / 1024} kB, after {after / 1024} kB, growth {(after - before) / 1024} kB"));

        ReplyAssert.Refused(reply, 552, "5.3.4", "message_too_big");
        Assert.True(after - before < 25L * 1024 * 1024, $"peak memory grew by {(after - before) / 1024} kB for a {sent / 1024} kB message");
        Assert.Empty(System.IO.Directory.GetFiles(new MessageSpool(_gateway.Environment.SpoolPath).TempDirectory));
    }

    private static long PeakResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kb * 1024;
    }
}

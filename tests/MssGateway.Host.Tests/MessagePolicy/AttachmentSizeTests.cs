using MssGateway.Host.Tests.Trust;
using MssGateway.Spool;

namespace MssGateway.Host.Tests.MessagePolicy;

/// <summary>
/// DESIGN.md §3 message policy at end of data through the real gateway: decoded attachments up to
/// Gateway:Policy:MaxAttachmentBytes (default 10 MiB) pass, more is refused with 552 5.3.4 and
/// nothing is kept in the spool; a declared SIZE over the message limit (default 20 MB) is refused at MAIL FROM.
/// </summary>
public sealed class AttachmentSizeTests : IClassFixture<RunningGateway>
{
    private readonly RunningGateway _gateway;

    public AttachmentSizeTests(RunningGateway gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_9_MB_attachment_is_accepted()
    {
        var message = PolicyMessages.WithAttachment(9_000_000);
        Assert.InRange(message.Length, 12_000_000, 13_000_000);
        await using var c = await _gateway.ConnectAsync();
        (await c.CommandAsync("EHLO client.hopital-dev.mssante.test")).AssertCode(250);
        var id = ReplyAssert.Queued(await PolicyMessages.SendAsync(c, message));
        Assert.Equal(SpoolState.Incoming, new MessageSpool(_gateway.Environment.SpoolPath).Locate(id));
    }

    [Fact]
    public async Task A_10_6_MB_attachment_is_refused_with_552_5_3_4_attachments_too_big_and_nothing_is_spooled()
    {
        var spool = new MessageSpool(_gateway.Environment.SpoolPath);
        var before = spool.List(SpoolState.Incoming).ToHashSet(StringComparer.Ordinal);
        await using var c = await _gateway.ConnectAsync(implicitTls: true);
        (await c.CommandAsync("EHLO client.hopital-dev.mssante.test")).AssertCode(250);
        ReplyAssert.Refused(await PolicyMessages.SendAsync(c, PolicyMessages.WithAttachment(10_600_000)), 552, "5.3.4", "attachments_too_big");

        // Refused before the 250: the spool holds no new message and no temporary file.
        Assert.Equal(before, spool.List(SpoolState.Incoming).ToHashSet(StringComparer.Ordinal));
        Assert.Empty(System.IO.Directory.GetFiles(spool.TempDirectory));

        // The session goes on.
        (await c.CommandAsync("RSET")).AssertCode(250);
    }

    [Fact]
    public async Task Mail_from_with_a_size_over_the_message_limit_is_refused_with_552_5_3_4_message_too_big()
    {
        await using var c = await _gateway.ConnectAsync();
        var ehlo = await c.CommandAsync("EHLO client.hopital-dev.mssante.test");
        ehlo.AssertCode(250);
        Assert.Contains(ehlo.Lines, l => l[4..].StartsWith("SIZE", StringComparison.Ordinal));
        ReplyAssert.Refused(await c.CommandAsync($"MAIL FROM:<{RunningGateway.Sender}> SIZE=30000000"), 552, "5.3.4", "message_too_big");
    }
}

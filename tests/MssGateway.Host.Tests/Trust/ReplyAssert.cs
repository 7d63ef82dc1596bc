using MssGateway.Testing;

namespace MssGateway.Host.Tests.Trust;

/// <summary>Exact reply checks: code, enhanced code and the "(reason)" label ending the last line.</summary>
public static class ReplyAssert
{
    public static void Refused(SmtpTestReply reply, int code, string enhanced, string reason)
    {
        Assert.True(reply.Code == code && reply.EnhancedCode == enhanced && reply.Lines[^1].EndsWith($"({reason})", StringComparison.Ordinal),
            $"expected {code} {enhanced} … ({reason}) but got: {reply.Text}");
    }

    public static void Refused(string replyLine, int code, string enhanced, string reason)
    {
        Assert.True(replyLine.StartsWith($"{code} {enhanced} ", StringComparison.Ordinal) && replyLine.TrimEnd().EndsWith($"({reason})", StringComparison.Ordinal),
            $"expected {code} {enhanced} … ({reason}) but got: {replyLine}");
    }

    /// <summary>The queue id from "250 2.0.0 Ok: queued as ID".</summary>
    public static string Queued(SmtpTestReply reply)
    {
        reply.AssertCode(250, "2.0.0");
        Assert.Contains("Ok: queued as ", reply.Lines[^1], StringComparison.Ordinal);
        return reply.Lines[^1].Split(' ')[^1];
    }
}

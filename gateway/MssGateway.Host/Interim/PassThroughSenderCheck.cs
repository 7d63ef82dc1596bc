using MssGateway.Smtp;

namespace MssGateway.Host.Interim;

/// <summary>Until the trust engine's sender binding is wired.</summary>
public sealed class PassThroughSenderCheck : ISenderCheck
{
    public ValueTask<SmtpReply?> CheckAsync(ClientIdentity identity, string mailFrom, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);
}

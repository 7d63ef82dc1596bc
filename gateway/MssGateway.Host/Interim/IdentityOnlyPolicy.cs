using MssGateway.Smtp;

namespace MssGateway.Host.Interim;

/// <summary>Until the message policy is wired: records the client identity only.</summary>
public sealed class IdentityOnlyPolicy : IEndOfDataPolicy
{
    private readonly string _authServId;

    public IdentityOnlyPolicy(string authServId)
    {
        _authServId = authServId;
    }

    public ValueTask<EndOfDataVerdict> EvaluateAsync(Stream content, SmtpSessionInfo session, SmtpTransaction transaction, GatewayListenerOptions listener, CancellationToken cancellationToken)
    {
        var identity = GatewaySessionHooks.IdentityOf(session);
        var header = $"Authentication-Results: {_authServId};\r\n\tsmime=none (client certificate {identity?.Identifier ?? "none"})\r\n";
        return ValueTask.FromResult(new EndOfDataVerdict { AuthenticationResults = header, SmimeVerdict = "none" });
    }
}

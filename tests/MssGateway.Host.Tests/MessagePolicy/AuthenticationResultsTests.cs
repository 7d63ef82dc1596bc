using System.Globalization;
using System.Text.RegularExpressions;
using MssGateway.Host.Tests.Trust;
using MssGateway.Spool;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.MessagePolicy;

/// <summary>
/// DESIGN.md §3: every accepted message carries the gateway's Authentication-Results header (its
/// server name, the S/MIME verdict and the client's national identifier), kept in the spool envelope
/// and prepended at delivery.
/// </summary>
public sealed partial class AuthenticationResultsTests : IClassFixture<RunningGateway>
{
    private readonly RunningGateway _gateway;

    public AuthenticationResultsTests(RunningGateway gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task An_accepted_message_carries_the_gateways_authentication_results_header()
    {
        var env = _gateway.Environment;
        var result = await ExternalProcess.RunAsync("swaks",
        [
            "--server", "127.0.0.1", "--port", env.SubmissionPort.ToString(CultureInfo.InvariantCulture), "--tls",
            "--tls-cert", env.Pki.ClientCertificate, "--tls-key", env.Pki.ClientKey,
            "--helo", "client.hopital-dev.mssante.test",
            "--from", RunningGateway.Sender, "--to", RunningGateway.Recipient,
            "--header", "Subject: authentication results", "--body", "hello",
        ], timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, $"swaks exited {result.ExitCode}:\n{result.StdOut}\n{result.StdErr}");
        var queued = QueuedAs().Match(result.StdOut);
        Assert.True(queued.Success, "no queue id in:\n" + result.StdOut);

        var headers = new MessageSpool(env.SpoolPath).Open(SpoolState.Incoming, queued.Groups[1].Value).Envelope.PrependHeaders;
        Assert.Contains("Authentication-Results: gateway.hopital-dev.mssante.test", headers, StringComparison.Ordinal);
        Assert.Contains("smime=none", headers, StringComparison.Ordinal);
        Assert.Contains(DevPki.ClientNationalIdentifier, headers, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"250 2\.0\.0 Ok: queued as (\S+)")]
    private static partial Regex QueuedAs();
}

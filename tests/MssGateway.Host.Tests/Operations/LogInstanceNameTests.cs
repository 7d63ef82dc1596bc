using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using MssGateway.Host.Logs;
using MssGateway.Testing;
using static MssGateway.Host.Tests.EndToEnd.EndToEndMail;

namespace MssGateway.Host.Tests.Operations;

/// <summary>
/// Several replicas write to one log store: every JSON event names the instance (pod) that wrote it,
/// from <c>HOSTNAME</c> (the pod name in Kubernetes) unless <c>Gateway:InstanceName</c> says otherwise.
/// </summary>
public sealed class LogInstanceNameTests
{
    private const string DevSender = "dev.sender@hopital-dev.mssante.test";
    private const string DevRecipient = "dev.recipient@hopital-dev.mssante.test";

    private static async Task<IReadOnlyList<JsonElement>> RunOneSessionAsync(Action<JsonObject>? configure, IReadOnlyDictionary<string, string> environment)
    {
        using var env = await GatewayTestEnvironment.CreateAsync();
        configure?.Invoke(env.Configuration);
        await using var gateway = await env.StartAsync(environment: environment);
        using var cps = CpsCertificate(env.Pki);
        await SubmitAsync(env.SubmissionPort, cps, DevSender, DevRecipient, "From: <" + DevSender + ">\r\nTo: <" + DevRecipient + ">\r\nSubject: x\r\n\r\nx\r\n");
        Assert.True(await EventuallyAsync(() => gateway.StdOutLines.Any(l => l.Contains("\"EventId\":1,", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)), "no SessionEnd event:\n" + gateway.Output);
        return gateway.StdOutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public async Task Every_event_carries_the_pod_name_from_HOSTNAME()
    {
        var events = await RunOneSessionAsync(null, new Dictionary<string, string> { ["HOSTNAME"] = "mssante-gateway-2" });

        Assert.True(events.Count >= 5, "too few events to say anything");
        Assert.All(events, e => Assert.Equal("mssante-gateway-2", e.GetProperty("Instance").GetString()));
        Assert.Contains(events, e => e.GetProperty("EventId").GetInt32() == 1 && e.GetProperty("State").GetProperty("MessagesAccepted").GetInt32() == 1);
        Assert.Contains(events, e => e.GetProperty("EventId").GetInt32() == 2 && e.GetProperty("State").TryGetProperty("QueueId", out _));
    }

    [Fact]
    public async Task Configured_instance_name_wins_over_HOSTNAME()
    {
        var events = await RunOneSessionAsync(c => c["InstanceName"] = "mssgw-paris-7", new Dictionary<string, string> { ["HOSTNAME"] = "container-1234" });

        Assert.All(events, e => Assert.Equal("mssgw-paris-7", e.GetProperty("Instance").GetString()));
    }

    [Fact]
    public void The_json_event_has_the_fields_of_the_dotnet_json_formatter_plus_the_instance_and_the_scopes()
    {
        var options = new GatewayJsonConsoleFormatterOptions { Instance = "pod-0", IncludeScopes = true, Time = new FixedTime(new DateTimeOffset(2026, 11, 23, 6, 7, 36, 385, TimeSpan.Zero)) };
        var formatter = new GatewayJsonConsoleFormatter(new StaticOptions(options));
        var scopes = new LoggerExternalScopeProvider();
        using var _ = scopes.Push(new Dictionary<string, object?> { ["SessionId"] = "0HNQ9508VP3SA" });
        var state = new Dictionary<string, object?> { ["QueueId"] = "01M83G8QB9CBMTQJ", ["Size"] = 301, ["Tls"] = true, ["{OriginalFormat}"] = "accepted {QueueId}" };
        using var output = new StringWriter();

        formatter.Write(new LogEntry<IReadOnlyCollection<KeyValuePair<string, object?>>>(LogLevel.Information, "MssGateway.Host.GatewaySessionHooks", new EventId(2, "MessageAccepted"), state, null, (s, _) => "accepted 01M83G8QB9CBMTQJ"), scopes, output);

        var line = output.ToString();
        Assert.EndsWith(Environment.NewLine, line, StringComparison.Ordinal);
        Assert.Single(line.Trim().Split('\n'));
        var e = JsonDocument.Parse(line).RootElement;
        Assert.Equal("2026-11-23T06:07:36.385Z", e.GetProperty("Timestamp").GetString());
        Assert.Equal(2, e.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", e.GetProperty("LogLevel").GetString());
        Assert.Equal("MssGateway.Host.GatewaySessionHooks", e.GetProperty("Category").GetString());
        Assert.Equal("pod-0", e.GetProperty("Instance").GetString());
        Assert.Equal("accepted 01M83G8QB9CBMTQJ", e.GetProperty("Message").GetString());
        Assert.Equal("01M83G8QB9CBMTQJ", e.GetProperty("State").GetProperty("QueueId").GetString());
        Assert.Equal(301, e.GetProperty("State").GetProperty("Size").GetInt32());
        Assert.True(e.GetProperty("State").GetProperty("Tls").GetBoolean());
        Assert.Equal("0HNQ9508VP3SA", e.GetProperty("Scopes")[0].GetProperty("SessionId").GetString());
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class StaticOptions(GatewayJsonConsoleFormatterOptions value) : IOptionsMonitor<GatewayJsonConsoleFormatterOptions>
    {
        public GatewayJsonConsoleFormatterOptions CurrentValue => value;

        public GatewayJsonConsoleFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<GatewayJsonConsoleFormatterOptions, string?> listener) => null;
    }
}

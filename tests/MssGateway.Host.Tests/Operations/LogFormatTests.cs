using System.Text.Json;

namespace MssGateway.Host.Tests.Operations;

/// <summary>Issue 7.3: one structured JSON line per session end on stdout; never a body or a subject.</summary>
[Collection(TrafficCollection.Name)]
public sealed class LogFormatTests(TrafficFixture fixture)
{
    [Fact]
    public void Every_stdout_line_is_one_json_object()
    {
        var lines = fixture.Gateway.StdOutLines;
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            Assert.True(doc.RootElement.TryGetProperty("Timestamp", out _), line);
            Assert.True(doc.RootElement.TryGetProperty("LogLevel", out _), line);
        }
    }

    [Fact]
    public async Task Session_end_line_carries_client_ip_certificate_tls_version_and_reply_code_as_fields()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        JsonElement? found = null;
        while (found is null && DateTime.UtcNow < deadline)
        {
            foreach (var line in fixture.Gateway.StdOutLines)
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.GetProperty("EventId").GetInt32() == 1 && root.TryGetProperty("State", out var state)
                    && state.GetProperty("MessagesAccepted").GetInt32() == 1)
                {
                    found = state.Clone();
                    break;
                }
            }

            if (found is null)
            {
                await Task.Delay(200);
            }
        }

        Assert.True(found.HasValue, "no SessionEnd line with an accepted message on stdout");
        var s = found.Value;
        Assert.Equal("127.0.0.1", s.GetProperty("ClientIp").GetString());
        Assert.Equal("submission", s.GetProperty("Listener").GetString());
        Assert.StartsWith("TLSv1.", s.GetProperty("TlsVersion").GetString(), StringComparison.Ordinal);
        Assert.Contains("899700012349", s.GetProperty("CertificateSubject").GetString(), StringComparison.Ordinal);
        Assert.Equal(221, s.GetProperty("LastReplyCode").GetInt32());
        Assert.Equal("quit", s.GetProperty("EndReason").GetString());
        Assert.False(string.IsNullOrEmpty(s.GetProperty("SessionId").GetString()));
    }

    [Fact]
    public void Accepted_message_line_carries_its_queue_id()
    {
        var queueId = fixture.Replies[0].Split(' ').Last();
        Assert.Contains(fixture.Gateway.StdOutLines, line =>
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("State", out var state) && state.TryGetProperty("QueueId", out var q) && q.GetString() == queueId;
        });
    }

    [Fact]
    public void Logs_never_contain_the_subject_or_the_body_of_a_message()
    {
        var output = fixture.Gateway.AllOutput;
        Assert.Contains("MssGateway.Host.GatewaySessionHooks", output, StringComparison.Ordinal); // session logs were captured at all
        Assert.DoesNotContain(fixture.SecretSubject, output, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.SecretBody, output, StringComparison.Ordinal);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MssGateway.Spool;
using MssGateway.Testing;
using Xunit.Abstractions;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// The spool is the truth across crashes: the scheduler runs in a child process (DeliveryBench
/// "run"), is killed with SIGKILL in the middle of a load, restarted, and the receiver counts that
/// every message arrived. A message may arrive twice only if the kill fell between the receiver's
/// 250 and the spool delete, so duplicates are bounded by the deliveries in flight.
/// </summary>
public sealed partial class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int Messages = 300;
    private const int Workers = 8;

    [Fact]
    public async Task Killing_the_scheduler_mid_load_loses_no_message_and_duplicates_at_most_those_in_flight()
    {
        using var dir = new TempDirectory("mssgw-crash");
        var spool = new MessageSpool(dir.Combine("spool"));
        for (var i = 0; i < Messages; i++)
        {
            await using var w = spool.BeginMessage();
            await w.WriteAsync(Encoding.ASCII.GetBytes(SampleMessages.Clinical($"crash-{i}@hopital-a.test")), CancellationToken.None);
            await w.CommitAsync(new SpoolEnvelope { QueueId = w.QueueId, ReceivedAt = DateTimeOffset.UtcNow, Sender = "a@hopital-a.test", Recipients = [new SpoolRecipient { Address = "b@hopital-a.test" }] }, CancellationToken.None);
        }

        await using var receiver = new TestSmtpServer { DataDelay = TimeSpan.FromMilliseconds(15) };

        using (var first = StartChild(spool.Root, receiver.Port))
        {
            await DeliveryHarness.WaitUntilAsync(() => receiver.Transactions.Count >= Messages / 3, "a third of the load", 60);
            first.Kill(); // SIGKILL: no shutdown code runs
            await first.WaitForExitAsync();
        }

        var atKill = receiver.Transactions.Count;
        var leftInActive = spool.List(SpoolState.Active).Count;
        using (var second = StartChild(spool.Root, receiver.Port))
        {
            await DeliveryHarness.WaitUntilAsync(
                () => Distinct(receiver) == Messages && spool.List(SpoolState.Incoming).Count + spool.List(SpoolState.Active).Count + spool.List(SpoolState.Deferred).Count == 0,
                "every message after the restart",
                90);
            second.Kill();
            await second.WaitForExitAsync();
        }

        var total = receiver.Transactions.Count;
        var duplicates = total - Distinct(receiver);
        output.WriteLine($"messages={Messages} received_before_kill={atKill} left_in_active_at_kill={leftInActive} received_total={total} distinct={Distinct(receiver)} duplicates={duplicates}");
        Assert.Equal(Messages, Distinct(receiver));
        Assert.InRange(duplicates, 0, Workers);
        Assert.Empty(spool.List(SpoolState.Corrupt));
    }

    private static int Distinct(TestSmtpServer receiver) =>
        receiver.Transactions.Select(t => MessageId().Match(t.Text).Groups[1].Value).Distinct(StringComparer.Ordinal).Count();

    private Process StartChild(string spoolRoot, int port)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "DeliveryBench.dll"), "run", "--spool", spoolRoot, "--port", port.ToString(CultureInfo.InvariantCulture), "--workers", Workers.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start DeliveryBench");
        p.OutputDataReceived += (_, e) => Log(e.Data);
        p.ErrorDataReceived += (_, e) => Log(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private void Log(string? line)
    {
        if (line is not null)
        {
            try
            {
                output.WriteLine("child: " + line);
            }
            catch (InvalidOperationException)
            {
                // The test already finished; late output from a killed child is dropped.
            }
        }
    }

    [GeneratedRegex(@"Message-ID: <([^>]+)>")]
    private static partial Regex MessageId();
}

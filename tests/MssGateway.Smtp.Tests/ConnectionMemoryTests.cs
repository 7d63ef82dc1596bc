using System.Net.Sockets;
using Xunit.Abstractions;

namespace MssGateway.Smtp.Tests;

/// <summary>
/// What an idle or slow connection can make the server hold (docs/smtp.md "Memory per connection"):
/// a transfer whose client sends nothing holds no buffer; the buffer it takes once data arrives is
/// pooled and given back when the transfer ends.
/// </summary>
[Collection(MemoryBoundCollection.Name)]
public sealed class ConnectionMemoryTests
{
    private const int Silent = 200;
    private const int Batches = 3;
    private readonly ITestOutputHelper _output;

    public ConnectionMemoryTests(ITestOutputHelper output)
    {
        _output = output;
    }

    [Fact]
    public async Task A_connection_that_sends_nothing_after_the_greeting_holds_no_buffer()
    {
        // The attack of bench/abuse.sh holds thousands of such connections (slowloris before STARTTLS):
        // what each costs is the session's objects, not a read buffer or a pre-rented line buffer.
        await using var host = await EngineHost.StartAsync(limits: l =>
        {
            l.MaxConcurrentSessionsPerClient = (Batches + 1) * Silent;
            l.MaxConnectionRatePerClient = 0; // all of them from 127.0.0.1 within a second
        });
        var sockets = new List<Socket>();
        try
        {
            var greeting = new byte[512];
            async Task OpenAsync()
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(s);
                await s.ConnectAsync("127.0.0.1", host.StartTlsPort);
                _ = await s.ReceiveAsync(greeting, SocketFlags.None); // the session runs and waits for a command
            }

            await OpenAsync();

            // Three batches, the smallest taken: whatever else the process allocates meanwhile (the xUnit
            // runner's own objects, a timer's) can only add to a batch, never hide a buffer held per connection.
            var perConnection = long.MaxValue;
            for (var batch = 1; batch <= Batches; batch++)
            {
                var before = GC.GetTotalMemory(forceFullCollection: true);
                for (var i = 0; i < Silent; i++)
                {
                    await OpenAsync();
                }

                Assert.Equal((batch * Silent) + 1, host.Server.ActiveSessions("submission"));
                var measured = (GC.GetTotalMemory(forceFullCollection: true) - before) / Silent;
                _output.WriteLine($"batch {batch}: managed memory per silent connection: {measured} bytes");
                perConnection = Math.Min(perConnection, measured);
            }

            // Measured 8.5 KB: the session's objects and the test's own client socket. A buffer rented per connection before
            // data arrives (a 16 KB transfer buffer, a 64 KB line buffer, a pipe segment per socket) fails this in every batch.
            Assert.True(perConnection < 16 * 1024, $"each silent connection holds {perConnection} bytes of managed memory");
        }
        finally
        {
            foreach (var s in sockets)
            {
                s.Dispose();
            }
        }
    }

    [Fact]
    public void A_transfer_buffer_holds_no_memory_until_the_client_sends_data()
    {
        // A slowloris inside DATA (DATA, then a byte every few seconds) must not pin a buffer per session
        // from the moment DATA is answered.
        using var buffer = new PooledBufferWriter(16 * 1024);
        Assert.Equal(0, buffer.Capacity);

        buffer.GetSpan(1)[0] = (byte)'x';
        buffer.Advance(1);

        Assert.InRange(buffer.Capacity, 16 * 1024, 32 * 1024);
        Assert.Equal("x"u8.ToArray(), buffer.WrittenMemory.ToArray());
    }

    [Fact]
    public void A_transfer_buffer_grows_past_its_first_size_and_keeps_what_was_written()
    {
        using var buffer = new PooledBufferWriter(16);
        for (var i = 0; i < 100; i++)
        {
            buffer.GetSpan(1)[0] = (byte)i;
            buffer.Advance(1);
        }

        Assert.Equal(100, buffer.WrittenCount);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (byte)i).ToArray(), buffer.WrittenMemory.ToArray());
    }

    [Fact]
    public void A_disposed_transfer_buffer_gives_its_memory_back()
    {
        var buffer = new PooledBufferWriter(16 * 1024);
        buffer.GetSpan(100);
        buffer.Dispose();
        Assert.Equal(0, buffer.Capacity);
    }
}

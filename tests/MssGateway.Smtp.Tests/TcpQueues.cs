using System.Globalization;

namespace MssGateway.Smtp.Tests;

/// <summary>What the kernel holds of a loopback connection the test made (/proc/net/tcp), to tell what the gateway read.</summary>
internal static class TcpQueues
{
    /// <summary>
    /// The client socket's send queue and the gateway socket's receive queue (/proc/net/tcp: tx_queue of
    /// 127.0.0.1:client, rx_queue of 127.0.0.1:server towards it), once two readings agree.
    /// </summary>
    public static async Task<(long ClientQueued, long ServerUnread)> SettledAsync(int clientPort, int serverPort)
    {
        (long, long) last = (-1, -1);
        for (var i = 0; i < 100; i++)
        {
            var now = Now(clientPort, serverPort);
            if (now == last)
            {
                return now;
            }

            last = now;
            await Task.Delay(50); // the kernel's queues settling, not a clock under test
        }

        return last;
    }

    public static (long ClientQueued, long ServerUnread) Now(int clientPort, int serverPort)
    {
        long clientQueued = -1, serverUnread = -1;
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var localPort = Port(f[1]);
            var remotePort = Port(f[2]);
            var queues = f[4].Split(':');
            if (localPort == clientPort && remotePort == serverPort)
            {
                clientQueued = long.Parse(queues[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            else if (localPort == serverPort && remotePort == clientPort)
            {
                serverUnread = long.Parse(queues[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }

        Assert.True(clientQueued >= 0 && serverUnread >= 0, "the connection is not in /proc/net/tcp");
        return (clientQueued, serverUnread);

        static int Port(string address) => int.Parse(address[(address.IndexOf(':', StringComparison.Ordinal) + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}

using System.Net;
using System.Net.Sockets;

namespace MssGateway.Testing;

/// <summary>
/// Finds free TCP ports on loopback for servers started by tests. Ports come from below the
/// kernel's ephemeral range (32768–60999 on Linux): a port the kernel handed out for a bind to 0
/// can be taken again, before the server binds it, as the local port of any outgoing connection
/// (CI saw "address already in use" that way). Each port is handed out once per process and checked
/// bindable; test processes running in parallel draw from a random start, so they rarely meet.
/// </summary>
public static class FreePort
{
    private const int First = 20000;
    private const int Last = 32767;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Given = [];
    private static int s_next = First + Random.Shared.Next(Last - First);

    public static int Next()
    {
        lock (Gate)
        {
            for (var tries = 0; tries < Last - First; tries++)
            {
                var port = s_next;
                s_next = s_next >= Last ? First : s_next + 1;
                if (!Given.Contains(port) && IsFree(port))
                {
                    Given.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

using System.Net;
using System.Net.Sockets;

namespace MssGateway.Testing;

/// <summary>Finds free TCP ports on loopback for servers started by tests.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

using System.Net;

namespace MssGateway.DirectorySync.Options;

/// <summary>Service mode HTTP endpoint (/metrics, /healthz), section <c>DirectorySync:Http</c>.</summary>
public sealed class HttpEndpointOptions
{
    public string Address { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 9091;

    public void Validate(string section)
    {
        DirectorySyncOptions.Require(IPAddress.TryParse(Address, out _), $"{section}:Address '{Address}' is not an IP address: use e.g. 0.0.0.0 or 127.0.0.1.");
        DirectorySyncOptions.Require(Port is >= 0 and <= 65535, $"{section}:Port must be between 0 and 65535 (default 9091).");
    }
}

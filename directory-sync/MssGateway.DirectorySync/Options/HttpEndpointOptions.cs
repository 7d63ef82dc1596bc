namespace MssGateway.DirectorySync.Options;

/// <summary>Service mode HTTP endpoint (/metrics, /healthz), section <c>DirectorySync:Http</c>.</summary>
public sealed class HttpEndpointOptions
{
    public string Address { get; set; } = "0.0.0.0";

    public int Port { get; set; } = 9091;
}

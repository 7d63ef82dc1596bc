using Microsoft.Extensions.Logging.Console;

namespace MssGateway.Host.Logs;

/// <summary>Options of <see cref="GatewayJsonConsoleFormatter"/> (set by the host from <c>Gateway:InstanceName</c>).</summary>
public sealed class GatewayJsonConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>The <c>Instance</c> field of every event: the pod or host name.</summary>
    public string Instance { get; set; } = InstanceName.Default;

    /// <summary>Clock of the <c>Timestamp</c> field (tests give a fake one).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;
}

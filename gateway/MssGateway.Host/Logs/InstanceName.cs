namespace MssGateway.Host.Logs;

/// <summary>
/// The default of <c>Gateway:InstanceName</c>: <c>HOSTNAME</c> (the pod name in Kubernetes — a
/// StatefulSet's pods are <c>NAME-0</c>, <c>NAME-1</c>…; the container id under Docker), else the
/// machine name.
/// </summary>
public static class InstanceName
{
    public static string Default =>
        Environment.GetEnvironmentVariable("HOSTNAME") is { Length: > 0 } host ? host.Trim() : Environment.MachineName;
}

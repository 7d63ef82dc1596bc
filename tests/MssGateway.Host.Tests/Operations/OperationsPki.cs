using MssGateway.Testing;

namespace MssGateway.Host.Tests.Operations;

/// <summary>The dev-style PKI (scripts/dev-pki.sh) shared by the test run (<see cref="DevPki.SharedAsync"/>).</summary>
public static class OperationsPki
{
    /// <summary>Folder holding ca.pem, server.pem/key, client-cps.pem/key/p12 (password "dev").</summary>
    public static async Task<string> DirectoryAsync() => (await DevPki.SharedAsync()).Directory;
}

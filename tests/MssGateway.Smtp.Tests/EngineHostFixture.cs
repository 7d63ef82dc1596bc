namespace MssGateway.Smtp.Tests;

/// <summary>One engine host shared by the tests of a class.</summary>
public sealed class EngineHostFixture : IAsyncLifetime
{
    public EngineHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await EngineHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

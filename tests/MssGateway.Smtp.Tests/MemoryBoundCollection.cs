namespace MssGateway.Smtp.Tests;

/// <summary>
/// Tests that measure the process's managed heap run alone: another test class's live objects
/// (a message buffer, a session of its own) would count against the measured connections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryBoundCollection
{
    public const string Name = "alone";
}

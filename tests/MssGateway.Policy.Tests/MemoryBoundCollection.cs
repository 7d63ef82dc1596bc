namespace MssGateway.Policy.Tests;

/// <summary>Tests that measure process-wide allocation or metrics run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryBoundCollection
{
    public const string Name = "alone";
}

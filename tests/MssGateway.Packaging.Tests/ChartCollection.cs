namespace MssGateway.Packaging.Tests;

/// <summary>Tests sharing one rendering of the chart (<see cref="ChartRenderings"/>).</summary>
[CollectionDefinition(Name)]
public sealed class ChartCollection : ICollectionFixture<ChartRenderings>
{
    public const string Name = "rendered chart";
}

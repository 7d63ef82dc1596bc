namespace MssGateway.Host.Tests.Attacks;

/// <summary>The attack test classes share one gateway and PKI (<see cref="AttackGateway"/>); they run one after the other.</summary>
[CollectionDefinition(Name)]
public sealed class AttackCollection : ICollectionFixture<AttackGateway>
{
    public const string Name = "Attacks on the running gateway";
}

namespace MssGateway.Policy.Tests;

/// <summary>Test classes that share one openssl-made PKI (made once: key generation is the slow part).</summary>
[CollectionDefinition(Name)]
public sealed class SmimeCollection : ICollectionFixture<SmimePki>
{
    public const string Name = "smime";
}

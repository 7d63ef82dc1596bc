namespace MssGateway.Trust.Tests;

/// <summary>Test classes sharing the one openssl-made PKI.</summary>
[CollectionDefinition(Name)]
public sealed class PkiCollection : ICollectionFixture<TestPki>
{
    public const string Name = "test PKI";
}

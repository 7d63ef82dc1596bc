namespace MssGateway.Directory.Tests;

/// <summary>
/// LDAP tests that open hundreds of TLS connections in a row run alone: in the full suite, beside the other
/// classes' slapd and Redis servers, one of 400 connections was once refused with "server unavailable"
/// (2026-12-02), a failure of the machine's load, not of what the test asserts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LdapAloneCollection
{
    public const string Name = "ldap-alone";
}

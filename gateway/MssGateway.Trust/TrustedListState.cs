namespace MssGateway.Trust;

/// <summary>What became of the configured trusted list at the last load.</summary>
internal sealed record TrustedListState(bool Configured, int CertificateCount, DateTimeOffset? NextUpdate, string? Error);

namespace MssGateway.Directory;

/// <summary>
/// Read side of the MSSanté directory (DESIGN.md §2 "Directory client"). Implementations: the Redis
/// mirror written by directory-sync, and a file-backed directory for development and single hosts.
/// Lookups take normalised or raw addresses; implementations normalise with <see cref="AddressKey"/>.
/// A lookup that cannot be answered throws <see cref="DirectoryUnavailableException"/> (never the store's
/// own exception types); <see cref="GetStatusAsync"/> never throws.
/// </summary>
public interface IMailboxDirectory
{
    /// <summary>The mailbox at this address, or null when the directory does not list it.</summary>
    ValueTask<MailboxEntry?> FindByAddressAsync(string address, CancellationToken cancellationToken);

    /// <summary>Every mailbox whose holder has this national identifier (with its type prefix).</summary>
    ValueTask<IReadOnlyList<MailboxEntry>> FindByNationalIdentifierAsync(string nationalIdentifier, CancellationToken cancellationToken);

    /// <summary>The liste blanche entry for this domain, or null when the domain is not authorised.</summary>
    ValueTask<AuthorisedDomain?> FindAuthorisedDomainAsync(string domain, CancellationToken cancellationToken);

    /// <summary>
    /// Every operator certificate subject DN the liste blanche lists, whatever the domain (the null sender
    /// of an operator is bound when its DN is listed for at least one authorised domain). The same
    /// instance is returned until the list changes, so callers may cache what they derive from it.
    /// An implementation without the list answers empty: nothing is then bound by DN (fail closed).
    /// </summary>
    ValueTask<IReadOnlyCollection<string>> GetOperatorCertificateSubjectsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyCollection<string>>([]);

    ValueTask<DirectoryStatus> GetStatusAsync(CancellationToken cancellationToken);
}

namespace MssGateway.Directory;

/// <summary>Mailbox types of the national directory (domain.md: PER, ORG, APP, CAB).</summary>
public enum MailboxKind
{
    /// <summary>PER: a person's mailbox (RPPS/ADELI holder, or a person registered by a structure).</summary>
    Personal,

    /// <summary>ORG: an organisational mailbox (a service).</summary>
    Organisational,

    /// <summary>APP: an applicative mailbox (software).</summary>
    Applicative,

    /// <summary>CAB: a practice.</summary>
    Practice,
}

/// <summary>One MSSanté mailbox as the directory lists it (DESIGN.md §3 "Directory in Redis").</summary>
public sealed record MailboxEntry
{
    /// <summary>Mailbox address, normalised with <see cref="AddressKey.Normalise"/>.</summary>
    public required string Address { get; init; }

    public required MailboxKind Kind { get; init; }

    /// <summary>National identifier of the holder with its type prefix (8+RPPS, 0+ADELI, 3+FINESS/…); null for ORG/APP without one.</summary>
    public string? NationalIdentifier { get; init; }

    public string? LastName { get; init; }

    public string? FirstName { get; init; }

    public string? Profession { get; init; }

    /// <summary>Structure identifier (idNatStruct: 1+FINESS, 3+SIRET…).</summary>
    public string? StructureIdentifier { get; init; }

    /// <summary>Domain of the operator that hosts the mailbox (the address's domain unless the directory says otherwise).</summary>
    public string? OperatorDomain { get; init; }

    /// <summary>When the entry was last written by directory-sync (null for the file-backed directory).</summary>
    public DateTimeOffset? LastSync { get; init; }
}

/// <summary>
/// A domain of the MSSanté authorised-domain list (liste blanche) with the subject DNs of the operator
/// server certificates allowed to send and receive for it.
/// </summary>
public sealed record AuthorisedDomain
{
    /// <summary>Domain name, normalised (lower case, IDNA Unicode form).</summary>
    public required string Domain { get; init; }

    /// <summary>Subject DNs (DNCertificatOperateur), in the list's text form.</summary>
    public required IReadOnlyList<string> OperatorCertificateSubjects { get; init; }
}

/// <summary>What the directory says of its own freshness, for /readyz and metrics.</summary>
public sealed record DirectoryStatus
{
    public required bool Reachable { get; init; }

    /// <summary>Time of the last successful sync (or of the file's last load).</summary>
    public DateTimeOffset? LastSuccessfulSync { get; init; }

    /// <summary>Identifier of the live generation (Redis) or the file's modification stamp.</summary>
    public string? Generation { get; init; }

    public long? MailboxCount { get; init; }

    public string? Error { get; init; }
}

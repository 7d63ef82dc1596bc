namespace MssGateway.DirectorySync.Options;

/// <summary>
/// LDAP attribute names for each mailbox field, section <c>DirectorySync:Ldap:Attributes</c>. The
/// national directory's LDAP schema is not public: the defaults are standard attributes where one
/// fits (mail, sn, givenName) and the names of the schema in docs/directory.md otherwise. Empty
/// means "not read".
/// </summary>
public sealed class LdapAttributeMapping
{
    /// <summary>Mailbox address (every value is one mailbox).</summary>
    public string Address { get; set; } = "mail";

    /// <summary>PER, ORG, APP or CAB.</summary>
    public string Kind { get; set; } = "mssanteMailboxType";

    /// <summary>National identifier with its type prefix (8+RPPS, 0+ADELI…).</summary>
    public string NationalIdentifier { get; set; } = "hcIdentifier";

    public string LastName { get; set; } = "sn";

    public string FirstName { get; set; } = "givenName";

    public string Profession { get; set; } = "hcProfession";

    /// <summary>idNatStruct of the structure (1+FINESS, 3+SIRET…).</summary>
    public string StructureIdentifier { get; set; } = "hcOrganizationIdentifier";

    /// <summary>Domain of the hosting operator; the address's domain when empty or absent.</summary>
    public string OperatorDomain { get; set; } = "mssanteOperatorDomain";

    /// <summary>Operational attribute giving the last change time (incremental runs).</summary>
    public string ModifyTimestamp { get; set; } = "modifyTimestamp";

    public IEnumerable<string> All() =>
        new[] { Address, Kind, NationalIdentifier, LastName, FirstName, Profession, StructureIdentifier, OperatorDomain, ModifyTimestamp }
            .Where(a => !string.IsNullOrWhiteSpace(a));
}

using MssGateway.Directory;

namespace MssGateway.DirectorySync.Options;

/// <summary>How the LDAP connection is protected.</summary>
public enum LdapSecurity
{
    /// <summary>Plain LDAP: loopback or a protected network only (the directory is personal data).</summary>
    None,

    /// <summary>LDAP then StartTLS (RFC 4513 §3) before the bind.</summary>
    StartTls,

    /// <summary>LDAP over TLS from the first byte (ldaps, port 636).</summary>
    Ldaps,
}

/// <summary>The LDAP source, section <c>DirectorySync:Ldap</c>.</summary>
public sealed class LdapSourceOptions
{
    public string Host { get; set; } = string.Empty;

    /// <summary>0 = 389, or 636 with Ldaps.</summary>
    public int Port { get; set; }

    public LdapSecurity Security { get; set; } = LdapSecurity.StartTls;

    /// <summary>Folder of PEM CA certificates (c_rehash'ed) trusted for the server certificate (OpenLDAP's TLS_CACERTDIR).</summary>
    public string? TrustedCertificatesDirectory { get; set; }

    /// <summary>DN for a simple bind; empty for an anonymous bind.</summary>
    public string? BindDn { get; set; }

    /// <summary>File holding the bind password (a mounted Kubernetes Secret); trailing newlines are ignored.</summary>
    public string? BindPasswordFile { get; set; }

    public string BaseDn { get; set; } = string.Empty;

    /// <summary>Which entries are mailboxes.</summary>
    public string Filter { get; set; } = "(&(objectClass=mssanteMailbox)(mail=*))";

    /// <summary>Subtree or OneLevel.</summary>
    public string Scope { get; set; } = "Subtree";

    /// <summary>Entries per page (RFC 2696 simple paged results).</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>Time limit of one LDAP request (bind, one page).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Incremental runs ask for entries changed since the last watermark minus this, to cover clock skew and replication delay.</summary>
    public TimeSpan IncrementalOverlap { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Incremental runs detect deletions by listing every address (one attribute) and removing the others.</summary>
    public bool DetectDeletions { get; set; } = true;

    /// <summary>Kind of an entry whose kind attribute is missing or unknown.</summary>
    public MailboxKind DefaultKind { get; set; } = MailboxKind.Personal;

    public LdapAttributeMapping Attributes { get; set; } = new();

    public int EffectivePort => Port != 0 ? Port : Security == LdapSecurity.Ldaps ? 636 : 389;
}

using Microsoft.Extensions.Options;

namespace MssGateway.DirectorySync.Options;

/// <summary>
/// Start-up validation of <see cref="LdapSourceOptions"/> (and its <see cref="LdapAttributeMapping"/>) bound at
/// <paramref name="section"/>: every problem, each naming its full key and the fix.
/// </summary>
public sealed class LdapSourceOptionsValidator(string section = DirectorySyncOptions.SectionName + ":Ldap") : IValidateOptions<LdapSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, LdapSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Require(!string.IsNullOrWhiteSpace(options.Host), $"{section}:Host is empty: set the LDAP server's host name.");
        Require(options.Port is >= 0 and <= 65535, $"{section}:Port must be between 1 and 65535 (0 = 389, or 636 with Ldaps).");
        Require(!string.IsNullOrWhiteSpace(options.BaseDn), $"{section}:BaseDn is empty: set the DN under which the mailboxes are, e.g. ou=mailboxes,dc=example,dc=fr.");
        Require(options.Filter.StartsWith('(') && options.Filter.EndsWith(')'), $"{section}:Filter '{options.Filter}' is not an LDAP filter: it must be parenthesised, e.g. (&(objectClass=mssanteMailbox)(mail=*)).");
        Require(options.Scope is "Subtree" or "OneLevel", $"{section}:Scope must be Subtree or OneLevel.");
        Require(options.PageSize is >= 1 and <= 10_000, $"{section}:PageSize must be between 1 and 10000 (default 500; stay under the server's size limit).");
        Require(options.Timeout > TimeSpan.Zero, $"{section}:Timeout must be a positive duration.");
        Require(options.IncrementalOverlap >= TimeSpan.Zero, $"{section}:IncrementalOverlap must be zero or positive.");
        Require(string.IsNullOrEmpty(options.BindPasswordFile) || !string.IsNullOrEmpty(options.BindDn), $"{section}:BindPasswordFile is set but BindDn is empty: set BindDn for a simple bind, or remove BindPasswordFile for an anonymous bind.");
        Require(string.IsNullOrEmpty(options.BindDn) || !string.IsNullOrEmpty(options.BindPasswordFile), $"{section}:BindDn is set but BindPasswordFile is empty: mount the bind password in a file and name it in BindPasswordFile.");
        Require(string.IsNullOrEmpty(options.BindPasswordFile) || File.Exists(options.BindPasswordFile), $"{section}:BindPasswordFile '{options.BindPasswordFile}' does not exist: mount the password there or fix the path.");
        Require(string.IsNullOrEmpty(options.TrustedCertificatesDirectory) || System.IO.Directory.Exists(options.TrustedCertificatesDirectory), $"{section}:TrustedCertificatesDirectory '{options.TrustedCertificatesDirectory}' does not exist: give a folder of PEM CA certificates.");
        Require(!string.IsNullOrWhiteSpace(options.Attributes.Address), $"{section}:Attributes:Address is empty: name the attribute that holds the mailbox address (default mail).");
        foreach (var a in options.Attributes.All().Where(a => !a.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or ';')))
        {
            errors.Add($"{section}:Attributes: '{a}' is not an LDAP attribute description.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Require(bool ok, string failure)
        {
            if (!ok)
            {
                errors.Add(failure);
            }
        }
    }
}

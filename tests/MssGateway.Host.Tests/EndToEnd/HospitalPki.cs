using MssGateway.Testing;

namespace MssGateway.Host.Tests.EndToEnd;

/// <summary>
/// The certificates of the hospital tests: the operators' PKI (<see cref="OperatorPki"/>: the gateway
/// of hospital A under test IGC-Santé roots, operator B's server certificate under the same roots)
/// and hospital A's organisation certificate (ORG AUTH_CLI: clientAuth, issued by the ELEMENTAIRE
/// ORGANISATIONS CA, structure identifier in OU, no host name) that its Postfix presents to the
/// gateway. Made at run time with openssl; nothing is committed.
/// </summary>
public sealed class HospitalPki : IAsyncLifetime
{
    /// <summary>Hospital A's structure identifier, the OU of its organisation certificate.</summary>
    public const string StructureIdentifier = "1930000012";

    public OperatorPki Operators { get; } = new();

    public DevPki A => Operators.A;

    public DevPki B => Operators.B;

    /// <summary>Organisation certificate followed by its intermediate (what the Postfix recipe's smtp_tls_cert_file holds).</summary>
    public string OrganisationChain => Path.Combine(A.Directory, "hopital-auth-cli.pem");

    public string OrganisationKey => Path.Combine(A.Directory, "hopital-auth-cli.key");

    public string SubjectOrganisation { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Operators.InitializeAsync();
        var script = $"""
            set -euo pipefail
            export OPENSSL_CONF=/dev/null
            cd {ExternalProcess.Quote(A.Directory)}
            openssl req -new -newkey rsa:2048 -nodes -keyout hopital-auth-cli.key -out hopital-auth-cli.csr \
              -subj "/C=FR/ST=Gironde (33)/O=HOPITAL A/OU={StructureIdentifier}/CN=HOPITAL A MESSAGERIE" 2>/dev/null
            printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' > hopital-auth-cli.ext
            openssl x509 -req -in hopital-auth-cli.csr -CA ca-elementaire-organisations.pem -CAkey ca-elementaire-organisations.key \
              -CAcreateserial -out hopital-auth-cli-leaf.pem -days 825 -sha256 -extfile hopital-auth-cli.ext 2>/dev/null
            cat hopital-auth-cli-leaf.pem ca-elementaire-organisations.pem > hopital-auth-cli.pem
            chmod 600 hopital-auth-cli.key
            rm -f hopital-auth-cli.csr hopital-auth-cli.ext
            """;
        (await ExternalProcess.BashAsync(script)).EnsureSuccess("organisation certificate");
        SubjectOrganisation = await OperatorPki.SubjectOfAsync(Path.Combine(A.Directory, "hopital-auth-cli-leaf.pem"));
    }

    public Task DisposeAsync() => Operators.DisposeAsync();
}

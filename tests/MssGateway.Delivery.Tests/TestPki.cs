using System.Security.Cryptography.X509Certificates;
using MssGateway.Testing;

namespace MssGateway.Delivery.Tests;

/// <summary>
/// An IGC-Santé-like test PKI made with the openssl CLI at run time (no key is committed): a trusted
/// root, a peer operator's server certificate and the gateway's own certificate under it, and a
/// rogue root with a peer certificate bearing the very same subject DN (so only the chain tells them apart).
/// </summary>
public sealed class TestPki : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new("mssgw-delivery-pki");

    public string Directory => _dir.Path;

    public string RootFile => _dir.Combine("root.pem");

    public string GatewayCertificateFile => _dir.Combine("gateway.pem");

    public string GatewayKeyFile => _dir.Combine("gateway.key");

    public X509Certificate2 Peer { get; private set; } = null!;

    public X509Certificate2 RoguePeer { get; private set; } = null!;

    public X509Certificate2 Root { get; private set; } = null!;

    public const string PeerSubject = "CN=localhost, OU=499700000000, O=OPERATEUR B TEST, S=Paris (75), C=FR"; // as .NET renders it

    public async Task InitializeAsync()
    {
        const string script = """
            set -euo pipefail
            export OPENSSL_CONF=/dev/null
            ca() { # name cn
              openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 30 -sha256 \
                -subj "/C=FR/O=ASIP-SANTE TEST/OU=IGC-SANTE TEST/CN=$2" \
                -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
            }
            leaf() { # name subject issuer san
              openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
              printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$4" > "$1.ext"
              openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days 30 -sha256 -extfile "$1.ext" 2>/dev/null
              rm -f "$1.csr" "$1.ext"
            }
            ca root "TEST AC RACINE IGC-SANTE ELEMENTAIRE"
            ca rogue "ROGUE ROOT"
            leaf peer "/C=FR/ST=Paris (75)/O=OPERATEUR B TEST/OU=499700000000/CN=localhost" root "DNS:localhost,IP:127.0.0.1"
            leaf roguepeer "/C=FR/ST=Paris (75)/O=OPERATEUR B TEST/OU=499700000000/CN=localhost" rogue "DNS:localhost,IP:127.0.0.1"
            leaf gateway "/C=FR/ST=Paris (75)/O=OPERATEUR A TEST/OU=499700000001/CN=gw.operateur-a.test" root "DNS:gw.operateur-a.test"
            """;
        (await ExternalProcess.BashAsync(script, Directory)).EnsureSuccess("openssl test PKI");
        Peer = Load("peer");
        RoguePeer = Load("roguepeer");
        Root = X509CertificateLoader.LoadCertificateFromFile(RootFile);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    private X509Certificate2 Load(string name)
    {
        using var pem = X509Certificate2.CreateFromPemFile(_dir.Combine(name + ".pem"), _dir.Combine(name + ".key"));
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}

using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MssGateway.Directory;
using MssGateway.Testing;

namespace MssGateway.Policy.Tests;

/// <summary>
/// Builds the policy the way the host will: <c>AddMessagePolicy</c> over a configuration section, a
/// file-backed directory and a signer validator registered beside it.
/// </summary>
public sealed class PolicyHarness : IDisposable
{
    public const string AuthServId = "gw.hopital.mssante.test";

    private readonly TempDirectory _dir = new("mssgw-policy");
    private readonly ServiceProvider _services;

    /// <param name="validator">The S/MIME signer validator (default: one that fails the test if called).</param>
    /// <param name="settings">Gateway:Policy keys.</param>
    /// <param name="directory">The directory file's content (default: the sender and another professional, no liste blanche).</param>
    /// <param name="time">The policy's clock (default: the system clock).</param>
    /// <param name="directoryOverride">A directory to use instead of the file (e.g. one that is down).</param>
    public PolicyHarness(ISmimeSignerValidator? validator = null, IDictionary<string, string?>? settings = null, object? directory = null, TimeProvider? time = null, IMailboxDirectory? directoryOverride = null)
    {
        var directoryFile = _dir.Combine("directory.json");
        File.WriteAllText(directoryFile, JsonSerializer.Serialize(directory ?? new
        {
            mailboxes = new object[]
            {
                new { address = SmimePki.SenderAddress, kind = "Personal", nationalIdentifier = SmimePki.SenderNationalId, lastName = "SENDER" },
                new { address = SmimePki.OtherAddress, kind = "Personal", nationalIdentifier = SmimePki.OtherNationalId, lastName = "OTHER" },
            },
            authorisedDomains = Array.Empty<object>(),
        }));

        var values = new Dictionary<string, string?> { ["Gateway:Policy:AuthServId"] = AuthServId };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            values["Gateway:Policy:" + k] = v;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSingleton(directoryOverride ?? new FileMailboxDirectory(directoryFile));
        services.AddSingleton(validator ?? new RefusingValidator());
        services.AddSingleton<IConfiguration>(configuration).AddMessagePolicy();
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Policy = _services.GetRequiredService<MessagePolicy>();
    }

    public MessagePolicy Policy { get; }

    public IServiceProvider Services => _services;

    public static MessagePolicyContext Context(SmimePolicy smime = SmimePolicy.Tag) => new()
    {
        ListenerName = "submission",
        SmimePolicy = smime,
        ClientCertificateSubject = $"CN={SmimePki.SenderNationalId}+SN=SENDER+GN=DEV, T=Médecin, C=FR",
        ClientNationalIdentifier = SmimePki.SenderNationalId,
        TlsVersion = "TLSv1.3",
        TlsCipher = "TLS_AES_256_GCM_SHA384",
        EnvelopeSender = SmimePki.SenderAddress,
    };

    public async Task<MessagePolicyVerdict> EvaluateAsync(byte[] message, SmimePolicy smime = SmimePolicy.Tag)
    {
        using var stream = new MemoryStream(message, writable: false);
        return await Policy.EvaluateAsync(stream, Context(smime), CancellationToken.None);
    }

    public async Task<MessagePolicyVerdict> EvaluateFileAsync(string path, SmimePolicy smime = SmimePolicy.Tag)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 65536, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await Policy.EvaluateAsync(stream, Context(smime), CancellationToken.None);
    }

    public void Dispose()
    {
        _services.Dispose();
        _dir.Dispose();
    }

    /// <summary>For tests without signatures: any call is a test failure.</summary>
    private sealed class RefusingValidator : ISmimeSignerValidator
    {
        public ValueTask<SignerValidation> ValidateAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 signer, System.Security.Cryptography.X509Certificates.X509Certificate2Collection extraCertificates, DateTimeOffset? signingTime, CancellationToken ct) =>
            throw new InvalidOperationException("no signer validator in this test");
    }
}

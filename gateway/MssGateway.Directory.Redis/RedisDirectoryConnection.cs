using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using StackExchange.Redis;

namespace MssGateway.Directory.Redis;

/// <summary>Builds the StackExchange.Redis connection from <see cref="RedisDirectoryOptions"/> (ACL user, password file, TLS).</summary>
public static class RedisDirectoryConnection
{
    public static ConfigurationOptions BuildConfiguration(RedisDirectoryOptions options, string section)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(section);
        ConfigurationOptions config;
        try
        {
            config = ConfigurationOptions.Parse(options.Configuration);
        }
        catch (ArgumentException ex)
        {
            throw new RedisDirectoryConfigurationException($"{section}:Configuration could not be parsed ({ex.Message}): use the StackExchange.Redis configuration string format.", ex);
        }

        config.AbortOnConnectFail = false;
        config.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        config.ClientName ??= "mssgw-directory";
        if (!string.IsNullOrEmpty(options.User))
        {
            config.User = options.User;
        }

        if (!string.IsNullOrEmpty(options.PasswordFile))
        {
            config.Password = File.ReadAllText(options.PasswordFile).TrimEnd('\r', '\n');
        }

        if (options.Tls)
        {
            config.Ssl = true;
            config.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
        }

        if (!string.IsNullOrEmpty(options.TlsHost))
        {
            config.SslHost = options.TlsHost;
        }

        if (!string.IsNullOrEmpty(options.TlsCaFile))
        {
            var anchors = new X509Certificate2Collection();
            anchors.ImportFromPemFile(options.TlsCaFile);
            config.CertificateValidation += (_, certificate, _, errors) => ValidateAgainst(anchors, certificate, errors);
        }

        if (!string.IsNullOrEmpty(options.TlsClientCertificateFile))
        {
            var certFile = options.TlsClientCertificateFile;
            var keyFile = options.TlsClientKeyFile!;
            config.CertificateSelection += (_, _, _, _, _) => X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }

        return config;
    }

    public static async Task<ConnectionMultiplexer> ConnectAsync(RedisDirectoryOptions options, string section, TextWriter? log = null)
    {
        var config = BuildConfiguration(options, section);
        config.AbortOnConnectFail = true;
        return await ConnectionMultiplexer.ConnectAsync(config, log).ConfigureAwait(false);
    }

    private static bool ValidateAgainst(X509Certificate2Collection anchors, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}

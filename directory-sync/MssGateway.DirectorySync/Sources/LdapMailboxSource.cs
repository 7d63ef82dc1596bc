using System.DirectoryServices.Protocols;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using MssGateway.Directory;
using MssGateway.DirectorySync.Options;

namespace MssGateway.DirectorySync.Sources;

/// <summary>
/// Reads mailboxes from LDAP with RFC 2696 paged results, one page in memory at a time.
/// Linux notes (DESIGN.md §6): AutoBind is off so nothing is sent before the bind; StartTLS is
/// preceded by an anonymous RootDSE read (libldap otherwise reports "server unavailable"); the
/// server is trusted through TrustedCertificatesDirectory. Each page is fetched with the synchronous
/// SendRequest on a pool thread: on Linux the Begin/EndSendRequest path stalled for minutes on a
/// 100,000-entry search (measured 2026-11-23) while SendRequest returns each page at once.
/// </summary>
public sealed partial class LdapMailboxSource : IDisposable
{
    private readonly LdapSourceOptions _options;
    private readonly ILogger _logger;
    private LdapConnection? _connection;

    public LdapMailboxSource(LdapSourceOptions options, ILogger logger)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Largest modifyTimestamp seen by <see cref="ReadAsync"/> (the next incremental watermark).</summary>
    public string? MaxModifyTimestamp { get; private set; }

    public string Describe() => $"{(_options.Security == LdapSecurity.Ldaps ? "ldaps" : "ldap")}://{_options.Host}:{_options.EffectivePort}";

    /// <summary>Connects, protects and binds. Throws <see cref="DirectorySyncException"/> with the cause in words.</summary>
    public void Connect()
    {
        try
        {
            ConnectCore();
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or PlatformNotSupportedException)
        {
            throw new DirectorySyncException(SyncFailure.Configuration, "ldap", $"The LDAP client library could not be loaded ({ex.GetType().Name}: {ex.Message}): install libldap (Debian/Ubuntu: libldap-2.5-0 or libldap2; in a chiseled image add the libldap2_libs slice), or use DirectorySync:Source=FlatFile.", ex);
        }
    }

    private void ConnectCore()
    {
        var identifier = new LdapDirectoryIdentifier(_options.Host, _options.EffectivePort, fullyQualifiedDnsHostName: false, connectionless: false);
        var connection = new LdapConnection(identifier) { AutoBind = false, Timeout = _options.Timeout };
        connection.SessionOptions.ProtocolVersion = 3;
        connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
        if (!string.IsNullOrEmpty(_options.TrustedCertificatesDirectory) && !OperatingSystem.IsWindows())
        {
            connection.SessionOptions.TrustedCertificatesDirectory = _options.TrustedCertificatesDirectory;
        }

        if (_options.Security == LdapSecurity.Ldaps)
        {
            connection.SessionOptions.SecureSocketLayer = true;
        }

        if (!OperatingSystem.IsWindows() && (!string.IsNullOrEmpty(_options.TrustedCertificatesDirectory) || _options.Security != LdapSecurity.None))
        {
            // Start a fresh TLS context so the trusted-certificate setting above takes effect.
            connection.SessionOptions.StartNewTlsSessionContext();
        }

        _connection = connection;
        try
        {
            if (_options.Security == LdapSecurity.StartTls)
            {
                connection.SendRequest(new SearchRequest(string.Empty, "(objectClass=*)", SearchScope.Base, "supportedExtension"));
                try
                {
                    StartTls(connection);
                }
                catch (LdapException ex)
                {
                    throw new DirectorySyncException(SyncFailure.Source, "ldap", $"StartTLS with {Describe()} failed (LDAP error {ex.ErrorCode}: {ex.Message.Trim()}): the server certificate is not trusted (DirectorySync:Ldap:TrustedCertificatesDirectory), does not name DirectorySync:Ldap:Host, or the server offers no StartTLS.", ex);
                }
            }

            if (string.IsNullOrEmpty(_options.BindDn))
            {
                connection.AuthType = AuthType.Anonymous;
                connection.Bind();
            }
            else
            {
                connection.AuthType = AuthType.Basic;
                var password = File.ReadAllText(_options.BindPasswordFile!).TrimEnd('\r', '\n');
                connection.Bind(new NetworkCredential(_options.BindDn, password));
            }
        }
        catch (LdapException ex)
        {
            throw Explain(ex);
        }
        catch (DirectoryOperationException ex)
        {
            throw new DirectorySyncException(SyncFailure.Source, "ldap", $"LDAP server {Describe()} refused the connection set-up: {ex.Message} (result {ex.Response?.ResultCode}{(string.IsNullOrEmpty(ex.Response?.ErrorMessage) ? string.Empty : ": " + ex.Response.ErrorMessage)}).", ex);
        }

        LogConnected(_logger, Describe(), string.IsNullOrEmpty(_options.BindDn) ? "anonymous" : "simple", _options.Security.ToString());
    }

    /// <summary>
    /// slapd sends the RootDSE read's result before it retires the operation, and a StartTLS that arrives in
    /// between is refused with operationsError ("cannot start TLS when operations are outstanding", RFC 4511
    /// §4.14.1 lets a server refuse StartTLS while operations are outstanding). The connection is still
    /// plain and usable, so the request is sent again after a short pause; any other refusal, or this one
    /// after the last attempt, goes to the caller.
    /// </summary>
    private void StartTls(LdapConnection connection)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                connection.SessionOptions.StartTransportLayerSecurity(null);
                return;
            }
            catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.OperationsError && attempt < StartTlsAttempts)
            {
                LogStartTlsRetried(_logger, Describe(), attempt);
                Thread.Sleep(TimeSpan.FromMilliseconds(5 * attempt)); // the sync connect is synchronous (libldap): at most 50 ms in all, once per run
            }
        }
    }

    private const int StartTlsAttempts = 5;

    /// <summary>Every mailbox matching the filter (and changed since <paramref name="modifiedSince"/> when given).</summary>
    public async IAsyncEnumerable<SourceRecord> ReadAsync(DateTimeOffset? modifiedSince, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = _options.Filter;
        if (modifiedSince is { } since && !string.IsNullOrEmpty(_options.Attributes.ModifyTimestamp))
        {
            filter = $"(&{filter}({_options.Attributes.ModifyTimestamp}>={FormatGeneralizedTime(since)}))";
        }

        var map = _options.Attributes;
        await foreach (var entry in SearchAsync(filter, map.All().ToArray(), cancellationToken).ConfigureAwait(false))
        {
            var stamp = First(entry, map.ModifyTimestamp);
            if (stamp is not null && (MaxModifyTimestamp is null || string.CompareOrdinal(stamp, MaxModifyTimestamp) > 0))
            {
                MaxModifyTimestamp = stamp;
            }

            var kind = CurrentKind(First(entry, map.Kind));
            foreach (var raw in All(entry, map.Address))
            {
                var address = MailboxAddressRule.NormaliseOrNull(raw);
                if (address is null)
                {
                    RejectedEntries++;
                    continue;
                }

                yield return new SourceRecord(
                    new MailboxEntry
                    {
                        Address = address,
                        Kind = kind,
                        NationalIdentifier = MailboxAddressRule.Clean(First(entry, map.NationalIdentifier)),
                        LastName = MailboxAddressRule.Clean(First(entry, map.LastName)),
                        FirstName = MailboxAddressRule.Clean(First(entry, map.FirstName)),
                        Profession = MailboxAddressRule.Clean(First(entry, map.Profession)),
                        StructureIdentifier = MailboxAddressRule.Clean(First(entry, map.StructureIdentifier)),
                        OperatorDomain = MailboxAddressRule.Clean(First(entry, map.OperatorDomain)) is { } od ? AddressKey.NormaliseDomain(od) : AddressKey.DomainOf(address),
                    },
                    stamp);
            }
        }
    }

    /// <summary>The server's estimate of the entries the search returns (RFC 2696 size), when it gives one.</summary>
    public long? EstimatedTotal { get; private set; }

    /// <summary>Entries skipped because an address was unusable.</summary>
    public long RejectedEntries { get; private set; }

    /// <summary>Every mailbox address the filter matches (one attribute read: the deletion sweep of incremental runs).</summary>
    public async IAsyncEnumerable<string> ReadAddressesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in SearchAsync(_options.Filter, [_options.Attributes.Address], cancellationToken).ConfigureAwait(false))
        {
            foreach (var raw in All(entry, _options.Attributes.Address))
            {
                if (MailboxAddressRule.NormaliseOrNull(raw) is { } address)
                {
                    yield return address;
                }
            }
        }
    }

    public void Dispose() => _connection?.Dispose();

    /// <summary>LDAP generalized time (RFC 4517 §3.3.13), UTC.</summary>
    public static string FormatGeneralizedTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMddHHmmss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseGeneralizedTime(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length < 14)
        {
            return null;
        }

        return DateTimeOffset.TryParseExact(text[..14], "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }

    private MailboxKind CurrentKind(string? text) => Directory.Redis.CurrentFields.ParseKind(text) ?? _options.DefaultKind;

    private async IAsyncEnumerable<SearchResultEntry> SearchAsync(string filter, string[] attributes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var connection = _connection ?? throw new InvalidOperationException("Connect first.");
        var scope = _options.Scope == "OneLevel" ? SearchScope.OneLevel : SearchScope.Subtree;
        var request = new SearchRequest(_options.BaseDn, filter, scope, attributes);
        var paging = new PageResultRequestControl(_options.PageSize) { IsCritical = true };
        request.Controls.Add(paging);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SearchResponse response;
            try
            {
                response = (SearchResponse)await Task.Run(() => connection.SendRequest(request, _options.Timeout), cancellationToken).ConfigureAwait(false);
            }
            catch (LdapException ex)
            {
                throw Explain(ex);
            }
            catch (DirectoryOperationException ex)
            {
                var code = ex.Response?.ResultCode;
                var hint = code == ResultCode.NoSuchObject ? $" Check DirectorySync:Ldap:BaseDn ('{_options.BaseDn}')." :
                    code == ResultCode.InappropriateMatching || code == ResultCode.UndefinedAttributeType ? " Check DirectorySync:Ldap:Filter and Attributes." : string.Empty;
                throw new DirectorySyncException(SyncFailure.Source, "ldap", $"LDAP search on {Describe()} failed: {code} ({ex.Message}).{hint}", ex);
            }

            foreach (SearchResultEntry entry in response.Entries)
            {
                yield return entry;
            }

            var page = response.Controls.OfType<PageResultResponseControl>().FirstOrDefault();
            if (page is { TotalCount: > 0 })
            {
                EstimatedTotal = page.TotalCount;
            }

            if (page is null || page.Cookie is null || page.Cookie.Length == 0)
            {
                yield break;
            }

            paging.Cookie = page.Cookie;
        }
    }

    private DirectorySyncException Explain(LdapException ex)
    {
        var message = ex.ErrorCode switch
        {
            49 => $"LDAP bind to {Describe()} as '{_options.BindDn}' was refused: invalid credentials (LDAP result 49). Check DirectorySync:Ldap:BindDn and the password in DirectorySync:Ldap:BindPasswordFile.",
            81 or 91 when _options.Security == LdapSecurity.Ldaps => $"LDAP server {Describe()} is unreachable or the TLS handshake failed (LDAP error {ex.ErrorCode}: {ex.Message.Trim()}). Check DirectorySync:Ldap:Host and Port, that the server runs, and that its certificate is trusted (DirectorySync:Ldap:TrustedCertificatesDirectory) and names Host.",
            81 or 91 => $"LDAP server {Describe()} is unreachable (LDAP error {ex.ErrorCode}: {ex.Message.Trim()}). Check DirectorySync:Ldap:Host, Port and Security, and that the server runs.",
            85 => $"LDAP server {Describe()} did not answer within DirectorySync:Ldap:Timeout ({_options.Timeout}).",
            _ => $"LDAP error {ex.ErrorCode} from {Describe()}: {ex.Message} {ex.ServerErrorMessage}".TrimEnd(),
        };
        return new DirectorySyncException(SyncFailure.Source, "ldap", message, ex);
    }

    private static string? First(SearchResultEntry entry, string attribute)
    {
        foreach (var v in All(entry, attribute))
        {
            return v;
        }

        return null;
    }

    private static IEnumerable<string> All(SearchResultEntry entry, string attribute)
    {
        if (string.IsNullOrEmpty(attribute))
        {
            yield break;
        }

        foreach (string name in entry.Attributes.AttributeNames)
        {
            if (string.Equals(name, attribute, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var v in entry.Attributes[name].GetValues(typeof(string)))
                {
                    yield return (string)v;
                }
            }
        }
    }

    [LoggerMessage(EventId = 5201, Level = LogLevel.Debug, Message = "LDAP: {Server} refused StartTLS with operationsError on attempt {Attempt} (the RootDSE read not yet retired); sending it again")]
    private static partial void LogStartTlsRetried(ILogger logger, string server, int attempt);

    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "LDAP: connected to {Server} ({Bind} bind, security {Security})")]
    private static partial void LogConnected(ILogger logger, string server, string bind, string security);
}

using System.Globalization;
namespace MssGateway.Testing;

/// <summary>
/// Operator B's internal mail system: a private Postfix (own config, queue and maildir in a temp
/// folder, <c>postfix -c DIR start</c> as root) on a free loopback port, delivering the given virtual
/// mailboxes into a maildir — the receiving side of docs/hospital-guide.md §3. With a certificate and key it offers
/// STARTTLS (<c>smtpd_tls_security_level = may</c>); without, plain SMTP (a trusted LAN).
/// </summary>
public sealed class MaildirPostfix : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("mssgw-e2e-postfix");

    private MaildirPostfix()
    {
    }

    public int Port { get; } = FreePort.Next();

    /// <summary>The instance's folder: conf/, queue/, data/, maildir/ and the maillog file.</summary>
    public string WorkDirectory => _dir.Path;

    /// <summary>What Postfix logged so far (for test diagnostics).</summary>
    public string MailLog => File.Exists(_dir.Combine("maillog")) ? File.ReadAllText(_dir.Combine("maillog")) : string.Empty;

    public string ConfigDirectory => _dir.Combine("conf");

    public string MaildirRoot => _dir.Combine("maildir");

    /// <summary>Files delivered to a mailbox (new/), oldest first.</summary>
    public IReadOnlyList<string> Delivered(string mailbox)
    {
        var dir = Path.Combine(MaildirRoot, mailbox.Split('@')[0], "new");
        return System.IO.Directory.Exists(dir) ? System.IO.Directory.GetFiles(dir).OrderBy(File.GetLastWriteTimeUtc).ToList() : [];
    }

    public static Task<MaildirPostfix> StartAsync(string domain, params string[] mailboxes) => StartAsync(domain, null, mailboxes);

    /// <summary>Starts Postfix; <paramref name="tls"/> (PEM certificate and key) enables STARTTLS.</summary>
    public static async Task<MaildirPostfix> StartAsync(string domain, (string Certificate, string Key)? tls, params string[] mailboxes)
    {
        var postfix = new MaildirPostfix();
        await postfix.InitializeAsync(domain, tls, mailboxes, null);
        return postfix;
    }

    /// <summary>
    /// Starts Postfix with more configuration: <paramref name="extend"/> gets the instance's folder before
    /// the start (to write map files there) and returns text appended to main.cf and to master.cf — a
    /// hospital's sending side, for instance (docs/hospital-guide.md).
    /// </summary>
    public static async Task<MaildirPostfix> StartAsync(string domain, (string Certificate, string Key)? tls, string[] mailboxes, Func<string, Task<(string MainCf, string MasterCf)>> extend)
    {
        var postfix = new MaildirPostfix();
        await postfix.InitializeAsync(domain, tls, mailboxes, extend);
        return postfix;
    }

    private async Task InitializeAsync(string domain, (string Certificate, string Key)? tls, string[] mailboxes, Func<string, Task<(string MainCf, string MasterCf)>>? extend)
    {
        var d = _dir.Path;
        foreach (var sub in new[] { "conf", "queue", "data", "maildir" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(d, sub));
        }

        var uid = (await ExternalProcess.RunAsync("id", "-u", "postfix")).EnsureSuccess("id -u postfix").StdOut.Trim();
        var gid = (await ExternalProcess.RunAsync("id", "-g", "postfix")).EnsureSuccess("id -g postfix").StdOut.Trim();
        (await ExternalProcess.RunAsync("chown", "postfix:postfix", Path.Combine(d, "data"), Path.Combine(d, "maildir"))).EnsureSuccess("chown");
        await File.WriteAllTextAsync(Path.Combine(d, "conf", "main.cf"), $"""
            compatibility_level = 3.6
            queue_directory = {d}/queue
            data_directory = {d}/data
            mail_owner = postfix
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            myhostname = mail.{domain}
            mydestination =
            mynetworks = 127.0.0.0/8
            alias_maps =
            alias_database =
            smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
            virtual_mailbox_domains = {domain}
            virtual_mailbox_base = {d}/maildir
            virtual_mailbox_maps = texthash:{d}/conf/vmailbox
            virtual_uid_maps = static:{uid}
            virtual_gid_maps = static:{gid}
            virtual_mailbox_limit = 0
            message_size_limit = 52428800
            {(tls is { } t ? $"smtpd_tls_security_level = may\nsmtpd_tls_cert_file = {t.Certificate}\nsmtpd_tls_key_file = {t.Key}" : "smtpd_tls_security_level = none")}
            maillog_file_prefixes = /tmp, /var
            maillog_file = {d}/maillog

            """);
        await File.WriteAllTextAsync(Path.Combine(d, "conf", "vmailbox"), string.Concat(mailboxes.Select(m => $"{m} {m.Split('@')[0]}/\n")));
        var (extraMain, extraMaster) = extend is null ? (string.Empty, string.Empty) : await extend(d);
        if (extraMain.Length > 0)
        {
            await File.AppendAllTextAsync(Path.Combine(d, "conf", "main.cf"), extraMain.TrimEnd() + "\n");
        }

        var services = new[]
        {
            "pickup unix n - n 60 1 pickup", "cleanup unix n - n - 0 cleanup", "qmgr unix n - n 300 1 qmgr",
            "tlsmgr unix - - n 1000? 1 tlsmgr", "rewrite unix - - n - - trivial-rewrite", "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce", "trace unix - - n - 0 bounce", "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush", "proxymap unix - - n - - proxymap", "smtp unix - - n - - smtp",
            "relay unix - - n - - smtp", "showq unix n - n - - showq", "error unix - - n - - error",
            "retry unix - - n - - error", "discard unix - - n - - discard", "virtual unix - n n - - virtual",
            "anvil unix - - n - 1 anvil", "scache unix - - n - 1 scache", "postlog unix-dgram n - n - 1 postlogd",
        };
        await File.WriteAllTextAsync(
            Path.Combine(d, "conf", "master.cf"),
            string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port} inet n - n - - smtpd\n") + string.Join('\n', services) + "\n" + (extraMaster.Length > 0 ? extraMaster.TrimEnd() + "\n" : string.Empty));
        (await ExternalProcess.RunAsync("postfix", "-c", ConfigDirectory, "start")).EnsureSuccess("postfix start (see " + d + "/maillog)");
        await WaitForPortAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalProcess.RunAsync("postfix", "-c", ConfigDirectory, "stop");
        _dir.Dispose();
    }

    private async Task WaitForPortAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var c = new System.Net.Sockets.TcpClient();
                await c.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException("Postfix did not start listening on port " + Port);
    }
}

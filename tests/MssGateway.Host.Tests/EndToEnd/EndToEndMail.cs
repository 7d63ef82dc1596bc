using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using MssGateway.Testing;

namespace MssGateway.Host.Tests.EndToEnd;

/// <summary>Shared steps of the end-to-end tests: directory files, the CPS client, one SMTP submission, waits on the spool.</summary>
internal static class EndToEndMail
{
    public const string DomainA = "a.mssante.test";
    public const string DomainB = "b.mssante.test";
    public const string Sender = "sender@a.mssante.test";
    public const string Recipient = "recipient@b.mssante.test";

    /// <summary>Référentiel #2 fields, one folded, that must reach the recipient byte for byte.</summary>
    public const string MssHeaders =
        "X-MSS-NIL: LOGICIEL-DPI/4.2  ref=abc\r\n" +
        "X-MSS-CODECDA: 11488-4^Note de consultation^LOINC\r\n\t(suite pliee)\r\n";

    public static string Message(string messageId) =>
        "From: DEV SENDER <" + Sender + ">\r\n" +
        "To: <" + Recipient + ">\r\n" +
        "Subject: compte rendu\r\n" +
        "Date: Mon, 23 Nov 2026 08:00:00 +0100\r\n" +
        "Message-ID: <" + messageId + "@a.mssante.test>\r\n" +
        MssHeaders +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=us-ascii\r\n" +
        "\r\n" +
        "Bonjour,\r\nvoici le compte rendu.\r\n";

    /// <summary>The directory of both operators: the two domains with their operator certificate DNs, the two mailboxes.</summary>
    public static void WriteDirectory(string path, string subjectA, string subjectB)
    {
        var directory = new JsonObject
        {
            ["mailboxes"] = new JsonArray(
                new JsonObject
                {
                    ["address"] = Sender, ["kind"] = "Personal", ["nationalIdentifier"] = DevPki.ClientNationalIdentifier,
                    ["lastName"] = "SENDER", ["firstName"] = "DEV", ["profession"] = "Médecin", ["operatorDomain"] = DomainA,
                },
                new JsonObject
                {
                    ["address"] = Recipient, ["kind"] = "Personal", ["nationalIdentifier"] = "899700023452",
                    ["lastName"] = "RECIPIENT", ["firstName"] = "DEV", ["profession"] = "Infirmier", ["operatorDomain"] = DomainB,
                }),
            ["authorisedDomains"] = new JsonArray(
                new JsonObject { ["domain"] = DomainA, ["operatorCertificateSubjects"] = new JsonArray(subjectA) },
                new JsonObject { ["domain"] = DomainB, ["operatorCertificateSubjects"] = new JsonArray(subjectB) }),
        };
        File.WriteAllText(path, directory.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public static X509Certificate2 CpsCertificate(DevPki pki) => X509CertificateLoader.LoadPkcs12FromFile(pki.ClientPkcs12, DevPki.ClientPkcs12Password);

    /// <summary>STARTTLS with <paramref name="certificate"/>, one message; returns the queue id of the 250 reply.</summary>
    public static async Task<string> SubmitAsync(int port, X509Certificate2 certificate, string from, string to, string message)
    {
        await using var smtp = await SmtpTestClient.ConnectAsync(port);
        (await smtp.ReadReplyAsync()).AssertCode(220);
        await smtp.StartTlsAsync(certificate);
        (await smtp.CommandAsync("EHLO client.a.mssante.test")).AssertCode(250);
        (await smtp.CommandAsync($"MAIL FROM:<{from}>")).AssertCode(250);
        (await smtp.CommandAsync($"RCPT TO:<{to}>")).AssertCode(250);
        (await smtp.CommandAsync("DATA")).AssertCode(354);
        await smtp.SendAsync(message + ".\r\n");
        var reply = (await smtp.ReadReplyAsync()).AssertCode(250, "2.0.0");
        (await smtp.CommandAsync("QUIT")).AssertCode(221);
        var text = reply.Lines[^1];
        var at = text.IndexOf("queued as ", StringComparison.Ordinal);
        Assert.True(at >= 0, "no queue id in " + text);
        return text[(at + "queued as ".Length)..].Trim().TrimEnd('.');
    }

    /// <summary>Files in a spool state folder (incoming, active, deferred, hold, corrupt).</summary>
    public static string[] SpoolFiles(string spool, string state)
    {
        var dir = Path.Combine(spool, state);
        return System.IO.Directory.Exists(dir) ? System.IO.Directory.GetFiles(dir) : [];
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until true or <paramref name="timeout"/>; returns its last value.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until true or <paramref name="timeout"/>; returns its last value.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }

        return true;
    }

    /// <summary>Runs <c>mssgw queue ARGS</c> (the real CLI next to the tests).</summary>
    public static async Task<ExternalProcess.Result> QueueCommandAsync(params string[] args) =>
        await ExternalProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "mssgw.dll"), "queue", .. args]);
}

using System.Globalization;
using System.Text;

namespace MssGateway.Smtp;

/// <summary>
/// Builds the Received trace field the server adds to each message (RFC 5321 §4.4), with the
/// protocol keyword of RFC 3848/6531 (ESMTPS, UTF8SMTPS…) and the TLS version and cipher as a
/// comment (DESIGN.md §3).
/// </summary>
public static class SmtpTraceHeader
{
    public static string Build(SmtpSessionInfo session, SmtpTransaction transaction, string queueId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transaction);
        var with = (transaction.MailFrom.SmtpUtf8 ? "UTF8" : string.Empty) + (session.IsExtended ? "ESMTP" : "SMTP") + (session.IsTls ? "S" : string.Empty);
        if (transaction.MailFrom.SmtpUtf8 && !session.IsExtended)
        {
            with = "UTF8SMTP" + (session.IsTls ? "S" : string.Empty);
        }

        var sb = new StringBuilder(256);
        sb.Append("Received: from ").Append(Sanitise(session.HeloName ?? "unknown"));
        sb.Append(" ([").Append(session.RemoteEndPoint?.Address.ToString() ?? "unknown").Append("])\r\n");
        sb.Append("\tby ").Append(session.ServerName).Append(" with ").Append(with).Append(" id ").Append(queueId);
        if (session.IsTls)
        {
            sb.Append("\r\n\t(version=").Append(session.TlsProtocolName)
              .Append(" cipher=").Append(session.TlsCipherSuite?.ToString() ?? "unknown").Append(')');
        }

        sb.Append(";\r\n\t").Append(now.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture))
          .Append(now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", string.Empty, StringComparison.Ordinal)).Append("\r\n");
        return sb.ToString();
    }

    /// <summary>The EHLO name is client data: keep it to printable ASCII without parentheses.</summary>
    private static string Sanitise(string helo)
    {
        var sb = new StringBuilder(helo.Length);
        foreach (var c in helo)
        {
            sb.Append(c is > ' ' and < '\x7f' and not '(' and not ')' and not ';' ? c : '?');
        }

        return sb.ToString();
    }
}

using System.Text;
using System.Text.Unicode;
using MssGateway.Smtp;

namespace MssGateway.Fuzzing.Targets;

/// <summary>
/// <see cref="SmtpCommandParser"/> (MAIL/RCPT paths and parameters, EHLO/HELO names, xtext): the
/// input is a stream of CRLF-terminated command lines, filtered as <c>SmtpSession</c> filters them
/// (at most 512 octets with CRLF, no bare CR or LF, no NUL, valid UTF-8) and split into verb and
/// arguments the same way. The parser's documented answer to bad input is a reply (5xx); it never
/// throws. A null reply with no parsed value, or a 2xx/4xx error reply, is a crash too.
/// </summary>
public sealed class SmtpCommandTarget : IFuzzTarget
{
    private const int MaxCommandLine = 512;

    public string Name => "smtp-command";

    public string Description => "SmtpCommandParser: MAIL FROM / RCPT TO arguments and parameters (SIZE, BODY, SMTPUTF8, RET, ENVID, NOTIFY, ORCPT), EHLO/HELO names; bad input = a 5xx reply";

    public string Dictionary => "smtp.dict";

    public FuzzOutcome Run(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var outcome = FuzzOutcome.Skipped;
        var smtpUtf8 = false;
        var span = input.AsSpan();
        int lf;
        while ((lf = span.IndexOf((byte)'\n')) >= 0)
        {
            var line = span[..lf];
            span = span[(lf + 1)..];
            if (line.Length + 1 > MaxCommandLine || line.Length == 0 || line[^1] != (byte)'\r' || line[..^1].IndexOfAny((byte)'\r', (byte)0) >= 0 || !Utf8.IsValid(line[..^1]))
            {
                continue; // the session answers these itself (500 line too long, smuggling, 501 not UTF-8)
            }

            var text = Encoding.UTF8.GetString(line[..^1]);
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var verb = (space < 0 ? text : text[..space]).ToUpperInvariant();
            var args = space < 0 ? string.Empty : text[(space + 1)..];
            bool ok;
            switch (verb)
            {
                case "EHLO":
                case "HELO":
                    ok = SmtpCommandParser.IsValidHeloName(args.Trim());
                    break;
                case "MAIL":
                    var mailError = SmtpCommandParser.ParseMailFrom(args, out var mailFrom);
                    Check(mailError, mailFrom, text);
                    ok = mailError is null;
                    smtpUtf8 = mailFrom?.SmtpUtf8 ?? smtpUtf8;
                    break;
                case "RCPT":
                    var rcptError = SmtpCommandParser.ParseRcptTo(args, smtpUtf8, out var recipient);
                    Check(rcptError, recipient, text);
                    ok = rcptError is null;
                    break;
                default:
                    continue;
            }

            outcome = ok ? FuzzOutcome.Accepted : outcome == FuzzOutcome.Accepted ? outcome : FuzzOutcome.Rejected;
        }

        return outcome;
    }

    public IEnumerable<KeyValuePair<string, byte[]>> GeneratedSeeds() => [];

    private static void Check(SmtpReply? error, object? parsed, string line)
    {
        if (error is null && parsed is null)
        {
            throw new FuzzInvariantException($"no reply and no parsed value for '{line}'");
        }

        if (error is not null && error.Code is < 500 or > 599)
        {
            throw new FuzzInvariantException($"error reply {error.Code} is not a permanent syntax refusal for '{line}'");
        }
    }
}

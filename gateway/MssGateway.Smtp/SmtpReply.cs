using System.Text;

namespace MssGateway.Smtp;

/// <summary>
/// One SMTP reply: basic code (RFC 5321 §4.2), enhanced status code (RFC 3463), a stable
/// <see cref="Reason"/> label shared by the reply text, the logs and the metrics, and human text.
/// Replies are data: they are declared once (see <see cref="SmtpReplies"/>) and reused everywhere.
/// </summary>
public sealed class SmtpReply
{
    public SmtpReply(int code, string? enhancedCode, string? reason, string text)
    {
        if (code is < 200 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "SMTP reply codes are 2xx-5xx.");
        }

        Code = code;
        EnhancedCode = enhancedCode;
        Reason = reason;
        Text = text;
        Origin = this;
    }

    private SmtpReply(SmtpReply origin, string text)
        : this(origin.Code, origin.EnhancedCode, origin.Reason, text)
    {
        Origin = origin.Origin;
    }

    /// <summary>Three-digit reply code.</summary>
    public int Code { get; }

    /// <summary>RFC 3463 class.subject.detail, or null for replies that carry none (220 greeting, 354).</summary>
    public string? EnhancedCode { get; }

    /// <summary>Stable, bounded label (e.g. <c>recipient_unknown</c>); null for positive replies.</summary>
    public string? Reason { get; }

    /// <summary>Human-readable text; may contain several lines separated by '\n'.</summary>
    public string Text { get; }

    public bool IsPositive => Code < 400;

    public bool IsTransient => Code is >= 400 and < 500;

    public bool IsPermanent => Code >= 500;

    /// <summary>
    /// The declared reply this one was made from (itself, or the reply whose <see cref="WithText"/>
    /// made it): how the engine checks that every reply it sends is in <see cref="SmtpReplies"/>.
    /// </summary>
    internal SmtpReply Origin { get; }

    private byte[]? _wire;

    /// <summary>The wire form with enhanced codes, computed once (replies are mostly shared instances).</summary>
    internal byte[] WireBytes => _wire ??= Encoding.UTF8.GetBytes(ToWire());

    /// <summary>Returns the same reply with other text (the code, enhanced code and reason stay).</summary>
    public SmtpReply WithText(string text) => new(this, text);

    /// <summary>Renders the reply as it goes on the wire, multi-line form included (RFC 5321 §4.2.1).</summary>
    public string ToWire(bool enhancedStatusCodes = true)
    {
        var lines = Text.Split('\n');
        var sb = new StringBuilder(64);
        for (var i = 0; i < lines.Length; i++)
        {
            sb.Append(Code).Append(i == lines.Length - 1 ? ' ' : '-');
            if (enhancedStatusCodes && EnhancedCode is not null)
            {
                sb.Append(EnhancedCode).Append(' ');
            }

            sb.Append(lines[i].TrimEnd('\r'));
            if (i == lines.Length - 1 && Reason is not null && !IsPositive)
            {
                // DESIGN.md §3: the stable reason label is part of every refusal's text.
                sb.Append(" (").Append(Reason).Append(')');
            }

            sb.Append("\r\n");
        }

        return sb.ToString();
    }

    /// <summary>The text with the reason label appended, as refusals are rendered.</summary>
    public override string ToString() => ToWire().TrimEnd();
}

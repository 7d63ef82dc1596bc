using System.Globalization;
using System.Text.RegularExpressions;
using MssGateway.Directory;
using MssGateway.Spool;

namespace MssGateway.Delivery;

/// <summary>
/// Which queued messages a <c>mssgw queue</c> verb looks at (<c>--state</c>, <c>--domain</c>,
/// <c>--sender</c>, <c>--older-than</c>), in the spirit of Postfix's <c>postqueue</c>/<c>qshape</c>
/// selections. Filters combine with AND; an empty filter selects every message of its states.
/// </summary>
public sealed partial class QueueFilter
{
    /// <summary>States to scan; empty means the verb's default states.</summary>
    public IReadOnlyList<SpoolState> States { get; init; } = [];

    /// <summary>Recipient domain (normalised); a leading dot also selects its subdomains.</summary>
    public string? RecipientDomain { get; init; }

    /// <summary>
    /// Sender: a full address (exact, case-insensitive), <c>@domain</c> (any sender of that domain),
    /// or the empty string for the null sender (<c>--sender '&lt;&gt;'</c>).
    /// </summary>
    public string? Sender { get; init; }

    /// <summary>Only messages accepted at least this long ago.</summary>
    public TimeSpan? OlderThan { get; init; }

    /// <summary>True when any of <c>--domain</c>, <c>--sender</c>, <c>--older-than</c>, <c>--state</c> was given.</summary>
    public bool IsSelective => States.Count > 0 || RecipientDomain is not null || Sender is not null || OlderThan is not null;

    /// <summary>Whether a message passes the domain, sender and age filters (the states are the scan's business).</summary>
    public bool Matches(SpoolEnvelope envelope, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (OlderThan is { } age && now - envelope.ReceivedAt < age)
        {
            return false;
        }

        if (Sender is not null && !SenderMatches(envelope.Sender))
        {
            return false;
        }

        return RecipientDomain is null || envelope.Recipients.Any(r => RecipientMatches(r.Address));
    }

    /// <summary>Whether a recipient address is in <see cref="RecipientDomain"/> (true when there is no domain filter).</summary>
    public bool RecipientMatches(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (RecipientDomain is null)
        {
            return true;
        }

        var domain = AddressKey.DomainOf(address);
        return RecipientDomain.StartsWith('.')
            ? domain == RecipientDomain[1..] || domain.EndsWith(RecipientDomain, StringComparison.Ordinal)
            : domain == RecipientDomain;
    }

    private bool SenderMatches(string sender)
    {
        if (Sender!.Length == 0)
        {
            return sender.Length == 0;
        }

        if (sender.Length == 0)
        {
            return false;
        }

        return Sender.StartsWith('@')
            ? AddressKey.DomainOf(sender) == Sender[1..]
            : AddressKey.Normalise(sender) == Sender;
    }

    /// <summary>Normalises a <c>--domain</c> value (a leading dot is kept); null when it is not a domain.</summary>
    public static string? ParseDomain(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var v = value.Trim();
        var dot = v.StartsWith('.');
        var domain = AddressKey.NormaliseDomain(dot ? v[1..] : v);
        return domain.Length == 0 || domain.Contains('@', StringComparison.Ordinal) || domain.Contains(' ', StringComparison.Ordinal) ? null : (dot ? "." : string.Empty) + domain;
    }

    /// <summary>Normalises a <c>--sender</c> value: <c>&lt;&gt;</c> → null sender, <c>@domain</c>, or an address; null when invalid.</summary>
    public static string? ParseSender(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var v = value.Trim();
        if (v is "<>" or "")
        {
            return string.Empty;
        }

        v = v.Trim('<', '>');
        var at = v.LastIndexOf('@');
        if (at < 0 || at == v.Length - 1)
        {
            return null;
        }

        return at == 0 ? "@" + AddressKey.NormaliseDomain(v[1..]) : AddressKey.Normalise(v);
    }

    /// <summary>
    /// Parses an age such as <c>45s</c>, <c>30m</c>, <c>2h</c>, <c>3d</c>, <c>1w</c> or a sum like <c>1d12h</c>
    /// (the units of Postfix's time parameters); null when the text is not one.
    /// </summary>
    public static TimeSpan? ParseAge(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var m = Age().Match(value.Trim());
        if (!m.Success)
        {
            return null;
        }

        var total = TimeSpan.Zero;
        foreach (Capture part in m.Groups["part"].Captures)
        {
            if (!long.TryParse(part.Value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 100_000)
            {
                return null;
            }

            total += part.Value[^1] switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7 * n),
            };
        }

        return total;
    }

    [GeneratedRegex("^(?<part>[0-9]+[smhdw])+$", RegexOptions.CultureInvariant)]
    private static partial Regex Age();
}

using System.Collections;

namespace MssGateway.Smtp;

/// <summary>
/// The logging scope of one session: every log event written while the session runs — the engine's
/// and the product hooks' alike (scopes flow with the async context) — carries <c>SessionId</c>.
/// A list of pairs, so structured providers (the JSON console with scopes on) render it as a field.
/// </summary>
internal sealed class SmtpSessionScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    public const string SessionIdKey = "SessionId";

    private readonly string _sessionId;

    public SmtpSessionScope(string sessionId)
    {
        _sessionId = sessionId;
    }

    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] =>
        index == 0 ? new KeyValuePair<string, object?>(SessionIdKey, _sessionId) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{SessionIdKey}:{_sessionId}";
}

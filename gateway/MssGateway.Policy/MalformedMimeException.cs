namespace MssGateway.Policy;

/// <summary>
/// A structure the scanner refuses as <c>mime_malformed</c> (issue 12 rule 5): its message names the
/// rule broken and never holds message content, so it may be logged as it is.
/// </summary>
internal sealed class MalformedMimeException(string message) : FormatException(message);

namespace Perms.Nats.Internal;

/// <summary>Checks subjects and queue groups before they reach the wire, where a bad one would break the protocol line.</summary>
internal static class NatsSubject
{
    /// <summary>Throws unless <paramref name="subject"/> is a valid subject to publish to (no wildcards).</summary>
    public static void ValidatePublish(string subject, string parameterName) => Validate(subject, parameterName, wildcards: false);

    /// <summary>Throws unless <paramref name="subject"/> is a valid subject to subscribe to (<c>*</c> tokens, a last <c>&gt;</c>).</summary>
    public static void ValidateSubscribe(string subject, string parameterName) => Validate(subject, parameterName, wildcards: true);

    /// <summary>Throws unless <paramref name="queueGroup"/> is null or a non-empty name without whitespace.</summary>
    public static void ValidateQueueGroup(string? queueGroup, string parameterName)
    {
        if (queueGroup is null)
        {
            return;
        }

        if (queueGroup.Length == 0)
        {
            throw new ArgumentException("A queue group cannot be empty; pass null for none.", parameterName);
        }

        foreach (var c in queueGroup)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw new ArgumentException($"The queue group '{queueGroup}' holds whitespace or a control character.", parameterName);
            }
        }
    }

    private static void Validate(string subject, string parameterName, bool wildcards)
    {
        ArgumentNullException.ThrowIfNull(subject, parameterName);
        if (subject.Length == 0)
        {
            throw new ArgumentException("A subject cannot be empty.", parameterName);
        }

        var tokenStart = 0;
        for (var i = 0; i <= subject.Length; i++)
        {
            if (i < subject.Length && subject[i] != '.')
            {
                if (char.IsWhiteSpace(subject[i]) || char.IsControl(subject[i]))
                {
                    throw new ArgumentException($"The subject '{subject}' holds whitespace or a control character.", parameterName);
                }

                continue;
            }

            var token = subject.AsSpan(tokenStart, i - tokenStart);
            if (token.IsEmpty)
            {
                throw new ArgumentException($"The subject '{subject}' has an empty token (a leading, trailing or double '.').", parameterName);
            }

            var isWildcard = token is "*" or ">";
            if (isWildcard && !wildcards)
            {
                throw new ArgumentException($"The subject '{subject}' holds a wildcard ('{token}'); messages are published to concrete subjects.", parameterName);
            }

            if (token is ">" && i != subject.Length)
            {
                throw new ArgumentException($"The subject '{subject}' has '>' before its last token; '>' matches the rest and must come last.", parameterName);
            }

            tokenStart = i + 1;
        }
    }
}

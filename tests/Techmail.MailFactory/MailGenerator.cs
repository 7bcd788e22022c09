namespace Techmail.MailFactory;

/// <summary>
/// Hostile, malformed and good mail, every byte determined by the seed: the same seed and the same calls give the
/// same messages, so a failure found by a benchmark run can be made again in a test. Each message carries its token
/// (<see cref="MailToken"/>) in its bytes.
/// </summary>
public sealed class MailGenerator
{
    private static readonly DateTimeOffset Epoch = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private readonly Random _random;
    private readonly HostileHeaders _headers;
    private readonly HostileBodies _bodies;
    private readonly GoodMail _good;
    private readonly BounceMail _bounces;
    private DateTimeOffset _clock = Epoch;

    public MailGenerator(int seed)
    {
        _random = new Random(seed);
        _headers = new HostileHeaders(_random);
        _bodies = new HostileBodies(_random);
        _good = new GoodMail(_random);
        _bounces = new BounceMail(_random);
    }

    public static IReadOnlyList<HostileKind> HostileKinds { get; } = Enum.GetValues<HostileKind>();

    /// <summary>One of the hostile kinds, chosen by the seed.</summary>
    public HostileKind NextHostileKind() => HostileKinds[_random.Next(HostileKinds.Count)];

    /// <summary>A number from the seed in [0, <paramref name="maxExclusive"/>), for callers that mix kinds.</summary>
    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    public GeneratedMail Hostile(HostileKind kind, string token)
    {
        var date = Tick();
        return kind switch
        {
            HostileKind.NulInFrom => _headers.NulInFrom(token, date),
            HostileKind.NulInHeaders => _headers.NulInHeaders(token, date),
            HostileKind.UnknownCharset => _bodies.UnknownCharset(token, date),
            HostileKind.InvalidEncodedWord => _headers.InvalidEncodedWord(token, date),
            HostileKind.InvalidBase64 => _bodies.InvalidBase64(token, date),
            HostileKind.InvalidQuotedPrintable => _bodies.InvalidQuotedPrintable(token, date),
            HostileKind.LoneSurrogate => _headers.LoneSurrogate(token, date),
            HostileKind.HugeHeaderLine => _headers.HugeHeaderLine(token, date),
            HostileKind.ManyHeaderFields => _headers.ManyHeaderFields(token, date),
            HostileKind.DeepNesting => _bodies.DeepNesting(token, date),
            HostileKind.EmptyFrom => _headers.EmptyFrom(token, date),
            HostileKind.MultipleFrom => _headers.MultipleFrom(token, date),
            HostileKind.GarbageFrom => _headers.GarbageFrom(token, date),
            HostileKind.MissingBoundary => _bodies.MissingBoundary(token, date),
            HostileKind.TruncatedMidPart => _bodies.TruncatedMidPart(token, date),
            HostileKind.BareCr => _headers.BareCr(token, date),
            HostileKind.BareLf => _headers.BareLf(token, date),
            HostileKind.EightBitHeaders => _headers.EightBitHeaders(token, date),
            HostileKind.MissingMessageId => _headers.MissingMessageId(token, date),
            HostileKind.DuplicatedMessageId => _headers.DuplicatedMessageId(token, date),
            HostileKind.ZeroLengthBody => _bodies.ZeroLengthBody(token, date),
            HostileKind.BinaryGarbage => _bodies.BinaryGarbage(token),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such hostile kind"),
        };
    }

    /// <summary>A customer's question to a Service mailbox; an attachment (by file name) when asked for.</summary>
    public GeneratedMail ServiceQuestion(string token, string sender, string? attachment = null) =>
        _good.Question(token, sender, Tick(), attachment is null ? "ServiceQuestion" : "ServiceAttachment", attachment: attachment);

    /// <summary>
    /// The same mail delivered again (a customer who wrote to two addresses that land in one mailbox, a server that
    /// redelivers): the first copy's Message-ID and sender, with a token of its own.
    /// </summary>
    public GeneratedMail ServiceRedelivery(string token, GeneratedMail first) =>
        _good.Question(token, first.Sender ?? throw new ArgumentException("the first copy has no sender.", nameof(first)), Tick(), "ServiceRedelivery",
            messageId: (first.MessageId ?? throw new ArgumentException("the first copy has no Message-ID.", nameof(first))).Trim('<', '>'));

    /// <summary>A customer's answer to an acknowledgement (its Message-ID and subject, with no token of the first mail in it).</summary>
    public GeneratedMail ServiceReply(string token, string sender, string inReplyTo, string subject) =>
        _good.Reply(token, sender, Tick(), inReplyTo, subject);

    /// <summary>A question the spam filter upstream flagged (X-Spam-Flag: YES), for a mailbox that discards those.</summary>
    public GeneratedMail FlaggedSpam(string token, string sender) =>
        _good.Question(token, sender, Tick(), "FlaggedSpam", headers: [("X-Spam-Flag", "YES")]);

    /// <summary>A question with an executable attached, for a mailbox that blocks those.</summary>
    public GeneratedMail BlockedAttachment(string token, string sender) =>
        _good.Question(token, sender, Tick(), "BlockedAttachment", attachment: "setup.exe");

    /// <summary>A bounce (RFC 3464) of a newsletter sent to <paramref name="recipient"/>.</summary>
    public GeneratedMail Dsn(string token, string recipient) => _bounces.Dsn(token, recipient, Tick());

    /// <summary>A person's answer to a newsletter, which a Marketing mailbox must hand to a person.</summary>
    public GeneratedMail PersonReply(string token, string sender) => _bounces.PersonReply(token, sender, Tick());

    private DateTimeOffset Tick() => _clock = _clock.AddSeconds(_random.Next(1, 90));
}

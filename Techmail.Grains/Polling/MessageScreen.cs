using System.Globalization;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Tnef;
using Techmail.Attachments;
using Techmail.Incidents.Parsing;
using Techmail.Mailboxes;

namespace Techmail.Polling;

/// <summary>
/// Applies one mailbox's discard filters and attachment policy to incoming messages.
/// </summary>
/// <remarks>
/// Build one per settings version and share it: it keeps no per-message state, so it may screen on many
/// threads at once, and the costly preparation (regexes, type rules, verdicts) happens only here.
/// </remarks>
public sealed class MessageScreen
{
    private const int MaxNameInReason = 120;

    private readonly CompiledFilter[] _filters;
    private readonly TypeRule[] _allowed;
    private readonly TypeRule[] _blocked;
    private readonly long? _maxAttachmentBytes;
    private readonly long? _maxMessageBytes;

    /// <exception cref="ArgumentException">A regex filter does not compile; the validator should have refused it.</exception>
    public MessageScreen(IReadOnlyList<DiscardFilter> filters, AttachmentPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentNullException.ThrowIfNull(policy);

        _filters = new CompiledFilter[filters.Count];
        for (var i = 0; i < filters.Count; i++)
        {
            _filters[i] = new CompiledFilter(filters[i]);
        }

        // Stored settings may predate a list being added, so null means empty as it does in the validator.
        _allowed = TypeRule.CreateAll(policy.AllowedTypes ?? []);
        _blocked = TypeRule.CreateAll(policy.BlockedTypes ?? []);
        _maxAttachmentBytes = policy.MaxAttachmentBytes;
        _maxMessageBytes = policy.MaxMessageBytes;
    }

    /// <param name="message">The parsed message.</param>
    /// <param name="rawSize">
    /// The size in bytes of the raw message <paramref name="message"/> was parsed from. Besides the message limit,
    /// it lets attachments go unmeasured when the whole message fits the per-attachment limit, so it must not
    /// understate.
    /// </param>
    public ScreenVerdict Screen(MimeMessage message, long rawSize)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegative(rawSize);

        // Discarding comes first: mail an admin chose to drop should vanish quietly, not be forwarded as rejected.
        if (_filters.Length > 0 && FirstMatchingFilter(message) is { } filter)
        {
            return filter.Verdict;
        }

        if (_maxMessageBytes is { } maxMessage && rawSize > maxMessage)
        {
            return ScreenVerdict.Rejected(Invariant($"message is {rawSize:N0} bytes, over the {maxMessage:N0}-byte limit"));
        }

        // Decoding never grows content, so no part of a message that fits the per-attachment limit as a whole can
        // break it; this spares the decoding for nearly all mail.
        var measure = _maxAttachmentBytes is { } each && rawSize > each;
        if (!measure && _allowed.Length == 0 && _blocked.Length == 0)
        {
            return ScreenVerdict.Accepted;
        }

        return new ScreenWalk(this, measure).Run(message) is { } reason
            ? ScreenVerdict.Rejected(reason)
            : ScreenVerdict.Accepted;
    }

    private CompiledFilter? FirstMatchingFilter(MimeMessage message)
    {
        // The body is read only once, and only when a filter wants it: it is the costly field.
        string? body = null;
        for (var i = 0; i < _filters.Length; i++)
        {
            var filter = _filters[i];
            var matched = filter.Field switch
            {
                // A missing subject or body is tested as empty so that "^$"-style filters can catch it.
                FilterField.Subject => filter.Test(message.Subject ?? string.Empty) == Hit.Yes,
                FilterField.Body => filter.Test(body ??= BodyText(message)) == Hit.Yes,
                FilterField.FromAddress or FilterField.SenderDomain => MatchesAuthor(filter, message),
                FilterField.Header => MatchesHeader(filter, message.Headers),
                _ => false,
            };

            if (matched)
            {
                return filter;
            }
        }

        return null;
    }

    private static bool MatchesAuthor(CompiledFilter filter, MimeMessage message)
    {
        var sawMailbox = false;
        var hit = TestAddresses(filter, message.From, ref sawMailbox);
        if (hit != Hit.No || sawMailbox)
        {
            return hit == Hit.Yes;
        }

        // Sender speaks for the author only when From names nobody.
        return message.Sender is { } sender && filter.Test(filter.AddressPart(sender)) == Hit.Yes;
    }

    private static Hit TestAddresses(CompiledFilter filter, InternetAddressList addresses, ref bool sawMailbox)
    {
        for (var i = 0; i < addresses.Count; i++)
        {
            var hit = Hit.No;
            if (addresses[i] is MailboxAddress mailbox)
            {
                sawMailbox = true;
                hit = filter.Test(filter.AddressPart(mailbox));
            }
            else if (addresses[i] is GroupAddress group)
            {
                hit = TestAddresses(filter, group.Members, ref sawMailbox);
            }

            // A timed-out regex would likely time out again on the next address; one wasted timeout is enough.
            if (hit != Hit.No)
            {
                return hit;
            }
        }

        return Hit.No;
    }

    private static bool MatchesHeader(CompiledFilter filter, HeaderList headers)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            if (!header.Field.Equals(filter.HeaderName, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var hit = filter.Test(header.Value ?? string.Empty);
            if (hit != Hit.No)
            {
                return hit == Hit.Yes;
            }
        }

        return false;
    }

    private static string BodyText(MimeMessage message)
    {
        // An empty text part beside a full HTML one is common; the HTML is then what a reader sees.
        var text = message.TextBody;
        if (!string.IsNullOrWhiteSpace(text))
        {
            return text;
        }

        var html = message.HtmlBody;
        return string.IsNullOrWhiteSpace(html) ? text ?? string.Empty : HtmlToText(html);
    }

    /// <summary>
    /// What a reader of the HTML would see, roughly: tags, comments, scripts and styles go, entities are decoded and
    /// all whitespace runs become one space, since HTML's line breaks carry no meaning a filter could rely on.
    /// </summary>
    private static string HtmlToText(string html)
    {
        var stripped = new StringBuilder(html.Length);
        var i = 0;
        while (i < html.Length)
        {
            if (html[i] == '<' && SkipMarkup(html, i) is var next and > 0)
            {
                // A tag separates words ("a<br>b" reads as two), so it leaves a space behind.
                stripped.Append(' ');
                i = next;
            }
            else
            {
                stripped.Append(html[i]);
                i++;
            }
        }

        // Entities are decoded only after stripping, so an encoded "&lt;b&gt;" stays text instead of becoming a tag.
        var decoded = WebUtility.HtmlDecode(stripped.ToString());
        stripped.Clear();
        foreach (var c in decoded)
        {
            // char.IsWhiteSpace covers the no-break space that &nbsp; decodes to.
            if (!char.IsWhiteSpace(c))
            {
                stripped.Append(c);
            }
            else if (stripped.Length > 0 && stripped[^1] != ' ')
            {
                stripped.Append(' ');
            }
        }

        if (stripped.Length > 0 && stripped[^1] == ' ')
        {
            stripped.Length--;
        }

        return stripped.ToString();
    }

    /// <returns>Where the text after the markup at <paramref name="start"/> begins; 0 when the '&lt;' is plain text.</returns>
    private static int SkipMarkup(string html, int start)
    {
        var span = html.AsSpan(start);
        if (span.StartsWith("<!--", StringComparison.Ordinal))
        {
            var end = html.IndexOf("-->", start + 4, StringComparison.Ordinal);
            return end < 0 ? html.Length : end + 3;
        }

        // Browsers read '<' as text unless a tag name, an end tag or a declaration follows; so does this.
        if (span.Length < 2 || !(char.IsAsciiLetter(span[1]) || span[1] is '/' or '!' or '?'))
        {
            return 0;
        }

        var tagEnd = EndOfTag(html, start + 1);
        foreach (var raw in (ReadOnlySpan<string>)["script", "style"])
        {
            // Script and style content is never shown, and is a favourite place to hide filter-dodging text.
            if (span.Length > raw.Length + 1
                && span.Slice(1, raw.Length).Equals(raw, StringComparison.OrdinalIgnoreCase)
                && !char.IsAsciiLetterOrDigit(span[raw.Length + 1]))
            {
                var close = html.IndexOf("</" + raw, tagEnd, StringComparison.OrdinalIgnoreCase);
                return close < 0 ? html.Length : EndOfTag(html, close + 2);
            }
        }

        return tagEnd;
    }

    private static int EndOfTag(string html, int from)
    {
        // A '>' inside a quoted attribute value does not close the tag.
        var quote = '\0';
        for (var i = from; i < html.Length; i++)
        {
            var c = html[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '>')
            {
                return i + 1;
            }
        }

        return html.Length;
    }

    private string? CheckAttachment(MimeEntity part, string? name, ReadOnlySpan<char> extension, string mimeType, bool measure, bool exemptFromAllowList)
    {
        foreach (var rule in _blocked)
        {
            if (rule.Matches(extension, mimeType))
            {
                return $"attachment {Describe(name, mimeType)} is a blocked type ({rule.Entry})";
            }
        }

        if (_allowed.Length > 0 && !exemptFromAllowList && !AnyMatches(_allowed, extension, mimeType))
        {
            return $"attachment {Describe(name, mimeType)} is not an allowed type ({mimeType})";
        }

        if (measure && _maxAttachmentBytes is { } limit && Exceeds(part, limit, out var size))
        {
            return Invariant($"attachment {Describe(name, mimeType)} is {size:N0} bytes, over the {limit:N0}-byte limit");
        }

        return null;
    }

    private static bool AnyMatches(TypeRule[] rules, ReadOnlySpan<char> extension, string mimeType)
    {
        foreach (var rule in rules)
        {
            if (rule.Matches(extension, mimeType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSignatureType(string mimeType) =>
        mimeType is "application/pkcs7-signature" or "application/x-pkcs7-signature" or "application/pgp-signature";

    /// <summary>
    /// The parts a delivery or complaint report is made of. Unnamed, they are the report itself (intake names them
    /// .txt), so an allow list written for documents must not turn away every bounce; named, a sender chose the name
    /// and they are held to the allow list like any file.
    /// </summary>
    private static bool IsReportType(string mimeType) =>
        mimeType is "message/delivery-status" or "message/global-delivery-status" or "message/disposition-notification"
            or "message/global-disposition-notification" or "message/feedback-report" or "text/rfc822-headers"
            or "message/global-headers";

    private bool HasTypeRules => _allowed.Length > 0 || _blocked.Length > 0;

    /// <summary>
    /// One screening of one message: the files <see cref="MessageFileWalker"/> finds (those intake would store,
    /// winmail.dat's unpacked) are checked in order, and the walk stops at the first breach.
    /// </summary>
    private sealed class ScreenWalk(MessageScreen screen, bool measure) : MessageFileWalker(new DecodedTexts())
    {
        public string? Reason { get; private set; }

        protected override bool Stopped => Reason is not null;

        public string? Run(MimeMessage message)
        {
            Walk(message);
            return Reason;
        }

        protected override void OnTooDeep(MimeEntity entity) =>
            Reason ??= $"parts are nested deeper than {MaxDepth} levels, so what they carry cannot be screened";

        protected override void OnBodyText(DecodedText text, bool inAlternative, bool fromTnef)
        {
        }

        protected override void OnFile(MimePart part, string? name, string mimeType) =>
            Check(part, name, ExtensionOf(name), mimeType, exemptFromAllowList: name is null && IsReportType(mimeType));

        protected override void OnForwardedMessage(MessagePart part, string? name, int depth)
        {
            // A forwarded message is an attachment whatever its disposition says, and whatever it carries is checked
            // too: wrapping a blocked file in a message must not smuggle it past the policy.
            Check(part, name, ".eml", part.ContentType.MimeType.ToLowerInvariant(), exemptFromAllowList: false);
            if (Reason is null)
            {
                WalkInside(part, depth);
            }
        }

        protected override void OnReturnedHeaders(TextRfc822Headers part, string? name) =>
            Check(part, name, ExtensionOf(name), "text/rfc822-headers", exemptFromAllowList: name is null);

        protected override void OnSignature(MimePart part, string? name)
        {
            // A signature is part of how signed mail is built, not content a sender chose, so an allow list written
            // for documents must not turn away every signed message.
            var mimeType = part.ContentType.MimeType.ToLowerInvariant();
            Check(part, name, ExtensionOf(name), mimeType, exemptFromAllowList: IsSignatureType(mimeType));
        }

        protected override void OnOpaqueTnef(TnefPart part, string? name, Exception? failure)
        {
            // Another TNEF reader (the agent's Outlook) may find files where this one found damage or nothing (the
            // reader is lenient and yields nothing from garbage), so with type rules such a winmail.dat is refused
            // rather than passed unseen. Without type rules it is measured as the one file intake stores.
            if (screen.HasTypeRules)
            {
                var why = failure is null ? "holds nothing that could be unpacked" : $"could not be unpacked ({failure.GetType().Name})";
                Reason ??= $"attachment {Describe(name?.Trim(), "application/ms-tnef")} (TNEF) {why}, so the files it may carry cannot be screened";
                return;
            }

            Check(part, name, ExtensionOf(name), part.ContentType.MimeType.ToLowerInvariant(), exemptFromAllowList: false);
        }

        // Content that cannot be read cannot be called clean: the message is set aside with the failure.
        protected override void OnUnreadable(MimeEntity entity, Exception failure) => ExceptionDispatchInfo.Capture(failure).Throw();

        private void Check(MimeEntity part, string? name, ReadOnlySpan<char> extension, string mimeType, bool exemptFromAllowList) =>
            Reason ??= screen.CheckAttachment(part, name?.Trim(), extension, mimeType, measure, exemptFromAllowList);
    }

    private static ReadOnlySpan<char> ExtensionOf(string? name)
    {
        // Windows drops trailing dots and spaces when saving, so "invoice.exe." is still an .exe.
        var file = name.AsSpan().TrimEnd(". ");
        file = file[(file.LastIndexOfAny('/', '\\') + 1)..];
        var dot = file.LastIndexOf('.');
        return dot < 0 ? [] : file[dot..];
    }

    private static bool Exceeds(MimeEntity entity, long limit, out long size)
    {
        var counter = new CountingStream();
        switch (entity)
        {
            case MimePart { Content: { } content }:
                // Stored content is at least as long as its decoded form, so short content needs no decoding.
                if (content.Stream is { CanSeek: true } stored && stored.Length <= limit)
                {
                    size = stored.Length;
                    return false;
                }

                content.DecodeTo(counter);
                break;

            case MessagePart { Message: { } inner }:
                inner.WriteTo(FormatOptions.Default, counter);
                break;
        }

        size = counter.Length;
        return size > limit;
    }

    private static string Describe(string? name, string mimeType)
    {
        if (name is null)
        {
            return $"(unnamed {mimeType})";
        }

        // Reasons go to logs, traces and forwarded mail, where a hostile name must not break lines or run on.
        var shown = new StringBuilder(Math.Min(name.Length, MaxNameInReason) + 3);
        foreach (var c in name)
        {
            if (shown.Length == MaxNameInReason)
            {
                shown.Append('…');
                break;
            }

            shown.Append(char.IsControl(c) ? '?' : c);
        }

        return $"'{shown}'";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private enum Hit
    {
        No,
        Yes,

        /// <summary>The regex ran out of time: no match, and not worth retrying on the next value.</summary>
        Abandoned,
    }

    private sealed class CompiledFilter
    {
        private readonly FilterMatch _match;
        private readonly string _value;
        private readonly Regex? _regex;

        public CompiledFilter(DiscardFilter filter)
        {
            ArgumentNullException.ThrowIfNull(filter);
            Field = filter.Field;
            HeaderName = filter.HeaderName ?? string.Empty;
            _match = filter.Match;
            var value = filter.Value ?? string.Empty;

            // Equals trims both sides so a stray space typed into a setting cannot quietly disable the filter; Contains
            // and Regex take the value as typed, where a space may be meant.
            _value = _match == FilterMatch.Equals ? value.Trim() : value;
            if (_match == FilterMatch.Regex)
            {
                try
                {
                    _regex = new Regex(value, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, MailboxSettingsValidator.RegexTimeout);
                }
                catch (ArgumentException e)
                {
                    throw new ArgumentException($"discard filter '{filter.Name}' has an invalid regular expression: {e.Message}", nameof(filter), e);
                }
            }

            var field = Field switch
            {
                FilterField.FromAddress => "from address",
                FilterField.SenderDomain => "sender domain",
                FilterField.Subject => "subject",
                FilterField.Body => "body",
                FilterField.Header => $"header '{HeaderName}'",
                _ => Field.ToString(),
            };

            // Built once so a discard costs no allocation.
            Verdict = ScreenVerdict.Discarded(filter.Name, $"discard filter '{filter.Name}' matched {field}");
        }

        public FilterField Field { get; }

        public string HeaderName { get; }

        public ScreenVerdict Verdict { get; }

        public string AddressPart(MailboxAddress mailbox) =>
            Field == FilterField.SenderDomain ? mailbox.Domain ?? string.Empty : mailbox.Address ?? string.Empty;

        public Hit Test(string text)
        {
            switch (_match)
            {
                case FilterMatch.Contains:
                    return text.Contains(_value, StringComparison.OrdinalIgnoreCase) ? Hit.Yes : Hit.No;

                case FilterMatch.Equals:
                    return text.AsSpan().Trim().Equals(_value, StringComparison.OrdinalIgnoreCase) ? Hit.Yes : Hit.No;

                case FilterMatch.Regex:
                    try
                    {
                        return _regex!.IsMatch(text) ? Hit.Yes : Hit.No;
                    }
                    catch (RegexMatchTimeoutException)
                    {
                        // A pathological pattern or message must cost one timeout, never the whole poll.
                        return Hit.Abandoned;
                    }

                default:
                    return Hit.No;
            }
        }
    }

    /// <summary>One allowed or blocked entry: an extension (".pdf"), a MIME type ("image/png") or a wildcard ("image/*").</summary>
    private readonly struct TypeRule
    {
        private readonly string? _extension;
        private readonly string? _mediaType;
        private readonly string? _subtype;

        private TypeRule(string entry)
        {
            Entry = entry;
            var text = entry.Trim();
            var slash = text.IndexOf('/');
            if (text.StartsWith('.'))
            {
                _extension = text;
            }
            else if (slash > 0)
            {
                _mediaType = text[..slash];
                var subtype = text[(slash + 1)..];
                _subtype = subtype == "*" ? null : subtype;
            }
        }

        /// <summary>The entry as the admin wrote it, for reasons.</summary>
        public string Entry { get; }

        public static TypeRule[] CreateAll(IReadOnlyList<string> entries)
        {
            var rules = new List<TypeRule>(entries.Count);
            foreach (var entry in entries)
            {
                // The validator refuses blanks; should one slip through, it must match nothing rather than everything.
                if (!string.IsNullOrWhiteSpace(entry))
                {
                    rules.Add(new TypeRule(entry));
                }
            }

            return [.. rules];
        }

        public bool Matches(ReadOnlySpan<char> extension, string mimeType)
        {
            if (_extension is not null)
            {
                return extension.Equals(_extension, StringComparison.OrdinalIgnoreCase);
            }

            if (_mediaType is null)
            {
                return false;
            }

            var type = mimeType.AsSpan();
            var slash = type.IndexOf('/');
            var media = slash < 0 ? type : type[..slash];
            var subtype = slash < 0 ? [] : type[(slash + 1)..];
            return media.Equals(_mediaType, StringComparison.OrdinalIgnoreCase)
                && (_subtype is null || subtype.Equals(_subtype, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Measures what is written to it and keeps none of it.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            ValidateBufferArguments(buffer, offset, count);
            _length += count;
        }

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override void WriteByte(byte value) => _length++;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

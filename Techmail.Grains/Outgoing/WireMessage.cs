using System.Text;
using MimeKit;

namespace Techmail.Outgoing;

/// <summary>
/// Mail already in its wire form (what the outbox holds), handed to MailKit without parsing it back: a message whose
/// only header is Techmail's stamp, carrying the whole header block as its value, and whose body writes the rest of
/// the bytes as they are. Parsed instead, every mail cost a parse, MailKit's preparation and two writes (one to
/// measure it for the SIZE extension), for the very bytes it was parsed from. One per SMTP connection, reused.
/// </summary>
internal sealed class WireMessage : IDisposable
{
    // A MIME entity without headers can only be had from the parser; registered for text/plain (the type of an entity
    // without headers), it builds a Wire for an empty input.
    private static readonly ParserOptions WireOptions = CreateOptions();
    private static readonly byte[] Stamp = Encoding.ASCII.GetBytes(MailSender.GeneratedHeader + ":");

    private readonly Header _header = new(MailSender.GeneratedHeader, "");
    private readonly Wire _body = (Wire)MimeEntity.Load(WireOptions, new MemoryStream([], writable: false));
    private readonly MimeMessage _message;

    public WireMessage()
    {
        _message = new MimeMessage(_body);
        _message.Headers.Clear();
        _message.Headers.Add(_header);
    }

    /// <summary>The message to send <paramref name="raw"/> as it is; null when MailKit must see it parsed to send it right.</summary>
    public MimeMessage? For(byte[] raw)
    {
        var blank = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        if (blank < 0 || !raw.AsSpan().StartsWith(Stamp) || !Sendable(raw, blank))
        {
            return null;
        }

        // MimeKit writes the header's name, a colon, its value, the blank line, then the body: the bytes, unchanged.
        _header.SetRawValue(raw[Stamp.Length..(blank + 2)]);
        _body.Show(raw, blank + 4);
        return _message;
    }

    /// <summary>Bytes MailKit would send unchanged, had it parsed them.</summary>
    internal static bool Sendable(ReadOnlySpan<byte> bytes) => Sendable(bytes, bytes.IndexOf("\r\n\r\n"u8));

    /// <param name="blank">Where the blank line after the headers starts; negative when there is none.</param>
    private static bool Sendable(ReadOnlySpan<byte> bytes, int blank)
    {
        // 7-bit only: MailKit declares BODY=8BITMIME for the parts it sees, and here it sees none.
        if (bytes.IndexOfAnyExceptInRange((byte)1, (byte)127) >= 0)
        {
            return false;
        }

        // Every line ended by CRLF, the last one too, as MailKit would write them; a bare CR or LF would go out bare.
        var lineFeeds = bytes.Count((byte)'\n');
        if (!bytes.EndsWith("\r\n"u8) || bytes.Count((byte)'\r') != lineFeeds || bytes.Count("\r\n"u8) != lineFeeds)
        {
            return false;
        }

        // MailKit leaves Bcc out of what it sends, which it can do only in headers it has parsed.
        var headers = blank < 0 ? bytes : bytes[..blank];
        Span<byte> lower = headers.Length <= 4096 ? stackalloc byte[headers.Length] : new byte[headers.Length];
        Ascii.ToLower(headers, lower, out _);
        return lower.IndexOf("bcc:"u8) < 0;
    }

    public void Dispose() => _message.Dispose();

    private static ParserOptions CreateOptions()
    {
        var options = ParserOptions.Default.Clone();
        options.RegisterMimeType("text/plain", typeof(Wire));
        return options;
    }

    /// <summary>A body that writes part of the bytes it is shown.</summary>
    private sealed class Wire(MimeEntityConstructorArgs args) : MimePart(args)
    {
        private ReadOnlyMemory<byte> _bytes;

        public void Show(byte[] raw, int from) => _bytes = raw.AsMemory(from);

        public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
        {
        }

        public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            stream.Write(_bytes.Span);
        }

        public override Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default) =>
            stream.WriteAsync(_bytes, cancellationToken).AsTask();
    }
}

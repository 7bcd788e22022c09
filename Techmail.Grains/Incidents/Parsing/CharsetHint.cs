using System.Text;
using MimeKit;

namespace Techmail.Incidents.Parsing;

/// <summary>
/// The charset a message's mislabelled or unlabelled 8-bit text is in, judged over all of it at once: the names and
/// subject in its headers with the text of its body. A name of three CJK characters decodes validly in half a dozen
/// charsets and no detector can choose among them; the same person's paragraph in the body settles it.
/// </summary>
internal static class CharsetHint
{
    /// <summary>Enough text for the detector; more only costs time.</summary>
    private const int MaxSample = 16 * 1024;

    private static readonly HeaderId[] Named = [HeaderId.From, HeaderId.Sender, HeaderId.ReplyTo, HeaderId.To, HeaderId.Cc, HeaderId.Subject];

    /// <summary>Null when no header holds 8-bit text outside UTF-8 (nothing needs a hint) or no charset is clear.</summary>
    /// <param name="texts">The message's text parts as decoded for the rest of its reading.</param>
    public static Encoding? Of(MimeMessage message, DecodedTexts texts)
    {
        using var sample = new MemoryStream();
        foreach (var header in message.Headers)
            if (Array.IndexOf(Named, header.Id) >= 0)
                HeaderRepair.CollectForeignBytes(header, sample);
        if (sample.Length == 0) return null;

        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (sample.Length >= MaxSample) break;
            if (part.IsAttachment) continue;
            try
            {
                var bytes = texts.For(part).Bytes;
                sample.Write(bytes, 0, Math.Min(bytes.Length, MaxSample));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A body that cannot be read only leaves the headers to judge by.
            }
        }

        var all = sample.ToArray();
        // A few bytes are no more evidence for the message than for one header; see TextDecoding's short text.
        if (all.Length < 64 || !TextDecoding.IsMostlyEightBit(all)) return null;
        return CharsetGuess.Detect(all) is { } guess ? TextDecoding.Find(guess.Charset) : null;
    }
}

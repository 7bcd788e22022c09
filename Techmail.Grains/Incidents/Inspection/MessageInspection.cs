using System.Text.Encodings.Web;
using System.Text.Json;
using MimeKit;
using Techmail.Incidents.Parsing;
using Techmail.Polling;

namespace Techmail.Incidents.Inspection;

/// <summary>
/// Shows, for one raw message, what intake would take from it: the same reader and the same automated-mail
/// detector, so an operator asking "why did this mail do that?" sees exactly what the engine saw.
/// </summary>
public static class MessageInspection
{
    private static readonly JsonSerializerOptions JsonLine = new()
    {
        // Names and bodies in other scripts stay readable in a terminal; the output is still valid JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    /// <summary>Never throws; an unusable message comes back with <see cref="InspectedMessage.Reason"/> saying why.</summary>
    public static InspectedMessage Inspect(byte[] raw, string file)
    {
        // An empty key makes the reader derive any stand-in id from the bytes; inspection does not show stand-ins.
        var result = CustomerMessageReader.Read(raw, "");
        if (!result.IsMessage || !MessageParsing.TryParse(raw, out var mime, out _))
            return Unusable(file, result.Problem ?? "cannot be parsed as a message");

        var message = result.Message;
        AutomatedMail? automated;
        try
        {
            automated = AutomatedMailDetector.Detect(mime);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not expected on a message MimeKit has parsed, but inspection must not die on one file of many.
            return Unusable(file, $"the automated-mail check failed: {e.GetType().Name}: {Faults.Faults.Summary(e)}");
        }
        return new InspectedMessage(
            file,
            message.From is { } from ? new InspectedAddress(from.Address, NameOrNull(from.DisplayName)) : null,
            AddressReading.All(mime, HeaderId.ReplyTo).Select(a => a.Address).ToList(),
            message.Sender.Address,
            message.Subject,
            message.MessageIdIsSynthetic ? null : message.MessageId,
            message.InReplyTo,
            message.References,
            message.TextBody,
            message.ReplyText,
            message.Attachments.Select(a => new InspectedAttachment(a.FileName, a.ContentType, a.Size, a.Sha256)).ToList(),
            automated is not null,
            automated?.Reason);
    }

    /// <summary>One line of JSON, the form `techmail message inspect --json` prints and the fixtures are written in.</summary>
    public static string ToJsonLine(InspectedMessage inspected) => JsonSerializer.Serialize(inspected, JsonLine);

    private static InspectedMessage Unusable(string file, string problem) =>
        new(file, null, [], null, null, null, null, [], null, null, [], false, problem);

    private static string? NameOrNull(string name) => name.Length == 0 ? null : name;
}

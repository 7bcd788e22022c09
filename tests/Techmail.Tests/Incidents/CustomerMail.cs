using System.Text;
using MimeKit.Tnef;
using Techmail.Incidents.Parsing;

namespace Techmail.Tests.Incidents;

/// <summary>Building raw test messages by hand and reading them.</summary>
internal static class CustomerMail
{
    public const string Key = "0123456789abcdef0123456789abcdef";

    /// <summary>The text with CRLF line ends, each char one byte (Latin-1), as a message on the wire.</summary>
    public static byte[] Raw(string text) => Encoding.Latin1.GetBytes(Crlf(text));

    /// <summary>The text with CRLF line ends as UTF-8 bytes, for raw 8-bit headers and bodies.</summary>
    public static byte[] RawUtf8(string text) => Encoding.UTF8.GetBytes(Crlf(text));

    public static string Crlf(string text) => text.Replace("\r\n", "\n").Replace("\n", "\r\n");

    public static CustomerMessage Read(byte[] raw, string key = Key)
    {
        var result = CustomerMessageReader.Read(raw, key);
        Assert.True(result.IsMessage, result.Problem);
        return result.Message;
    }

    public static CustomerMessage Read(string text, string key = Key) => Read(Raw(text), key);

    public static string Base64(byte[] bytes) => Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks);

    /// <summary>
    /// A minimal TNEF stream (MimeKit can read TNEF but not write it): the signature, a message-level body and one
    /// attachment with a title and data, each attribute with its level, tag, length and checksum.
    /// </summary>
    public static byte[] Tnef(string body, string attachmentName, byte[] attachmentData)
    {
        var tnef = new MemoryStream();
        tnef.Write(BitConverter.GetBytes(0x223E9F78u));
        tnef.Write(BitConverter.GetBytes((ushort)0x0001));
        Attribute(tnef, TnefAttributeLevel.Message, TnefAttributeTag.TnefVersion, BitConverter.GetBytes(0x00010000u));
        Attribute(tnef, TnefAttributeLevel.Message, TnefAttributeTag.Body, Encoding.ASCII.GetBytes(body + "\0"));
        Attribute(tnef, TnefAttributeLevel.Attachment, TnefAttributeTag.AttachRenderData, new byte[14]);
        Attribute(tnef, TnefAttributeLevel.Attachment, TnefAttributeTag.AttachTitle, Encoding.ASCII.GetBytes(attachmentName + "\0"));
        Attribute(tnef, TnefAttributeLevel.Attachment, TnefAttributeTag.AttachData, attachmentData);
        return tnef.ToArray();
    }

    private static void Attribute(Stream tnef, TnefAttributeLevel level, TnefAttributeTag tag, byte[] data)
    {
        tnef.WriteByte((byte)level);
        tnef.Write(BitConverter.GetBytes((uint)tag));
        tnef.Write(BitConverter.GetBytes((uint)data.Length));
        tnef.Write(data);
        ushort checksum = 0;
        foreach (var b in data) checksum += b;
        tnef.Write(BitConverter.GetBytes(checksum));
    }
}

using System.Text;
using MimeKit;
using Techmail.Incidents.Parsing;

namespace Techmail.Tests.Unit;

/// <summary>Each text part of a message is decoded once, and every reader of the message gets that one decoding.</summary>
public sealed class DecodedTextsTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(40)] // past the few parts that are searched through, so looked up by hash
    public void Every_part_has_one_decoding_however_often_it_is_asked_for(int count)
    {
        var parts = Enumerable.Range(0, count).Select(i => Part($"part {i} grüßt")).ToList();
        var texts = new DecodedTexts();

        var first = parts.Select(texts.For).ToList();
        var second = parts.Select(texts.For).ToList();

        for (var i = 0; i < count; i++)
        {
            Assert.Same(first[i], second[i]);
            Assert.Same(parts[i], first[i].Part);
            Assert.Same(first[i].Bytes, second[i].Bytes);
            Assert.Equal($"part {i} grüßt", first[i].Text);
            Assert.Null(first[i].CharsetNote);
        }

        Assert.Equal(count, first.Distinct().Count());
    }

    [Fact]
    public void Bytes_given_for_the_text_around_uuencoded_files_are_read_in_the_parts_charset()
    {
        var part = Part("ignored", charset: "iso-8859-1");
        var decoded = new DecodedText(part, Encoding.Latin1.GetBytes("Grüße\r\n"), damaged: true);

        Assert.Equal("Grüße\n", decoded.Text);
        Assert.True(decoded.Damaged);
    }

    private static TextPart Part(string text, string charset = "utf-8")
    {
        var part = new TextPart("plain");
        part.SetText(charset, text);
        return part;
    }
}

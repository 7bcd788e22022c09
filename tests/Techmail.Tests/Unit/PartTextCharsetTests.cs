using System.Text;
using Techmail.Bounces;

namespace Techmail.Tests.Unit;

/// <summary>The bounce reader's charset lookup stays bounded whatever labels mail invents.</summary>
public sealed class PartTextCharsetTests
{
    [Fact]
    public void Invented_charset_labels_read_as_utf8_and_are_not_remembered()
    {
        Assert.Equal(Encoding.Latin1.CodePage, PartText.EncodingFor(" \"ISO-8859-1\" ").CodePage);
        var before = PartText.RememberedCharsets;
        for (var i = 0; i < 1000; i++)
        {
            Assert.Same(Encoding.UTF8, PartText.EncodingFor($"x-invented-{i}-{Guid.NewGuid():N}"));
        }

        // Other tests running meanwhile may add a few real charsets; a thousand invented ones would show.
        Assert.InRange(PartText.RememberedCharsets - before, 0, 50);
    }
}

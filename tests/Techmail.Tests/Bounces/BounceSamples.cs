using System.Text;
using Techmail.Bounces;

namespace Techmail.Tests.Bounces;

/// <summary>Helpers for hand-written sample messages: LF in source, optionally sent as CRLF.</summary>
internal static class BounceSamples
{
    public static BounceClassification Classify(string message, bool crlf = false)
    {
        var text = message.Replace("\r\n", "\n");
        if (crlf) text = text.Replace("\n", "\r\n");
        return new BounceClassifier().Classify(Encoding.UTF8.GetBytes(text));
    }

    public static BouncedRecipient Single(BounceClassification result)
    {
        Assert.True(result.IsBounce);
        return Assert.Single(result.Recipients);
    }
}

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

    /// <summary>A delivery status notification (RFC 3464) written for a rule test: its human part and its per-recipient fields.</summary>
    public static string Dsn(string human, string fields) => $"""
        From: Mail Delivery System <MAILER-DAEMON@relay.sender.test>
        To: alice@sender.test
        Subject: Undelivered Mail Returned to Sender
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

        --b1
        Content-Type: text/plain

        {human}

        --b1
        Content-Type: message/delivery-status

        Reporting-MTA: dns; relay.sender.test

        {fields}

        --b1--
        """;
}

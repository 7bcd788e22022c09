using System.Globalization;

namespace Techmail.MailFactory;

/// <summary>The ordinary header lines around each hostile kind's one deliberate defect, so only that defect is broken.</summary>
internal static class CommonHeaders
{
    public const string Recipient = "Support <support@example.com>";

    /// <summary>A trace line and the token header every generated message starts with.</summary>
    public static void Start(RawWriter w, string token, DateTimeOffset date)
    {
        w.Line($"Received: from mx.example.net (mx.example.net [192.0.2.25]) by mail.example.com with ESMTP id {token}; {Date(date)}");
        w.Line($"X-Chaos-Token: {token}");
    }

    public static void ToDateAndMime(RawWriter w, DateTimeOffset date)
    {
        w.Line($"To: {Recipient}");
        w.Line($"Date: {Date(date)}");
        w.Line("MIME-Version: 1.0");
    }

    public static string MessageId(string token) => $"<{token}@chaos.example.net>";

    public static string Date(DateTimeOffset date) => date.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture);
}

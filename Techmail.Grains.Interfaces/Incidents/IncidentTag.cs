using System.Security.Cryptography;
using System.Text;

namespace Techmail.Incidents;

/// <summary>
/// The version of an incident as it is stored: a digest of its fields and of when it last changed (a customer's mail,
/// a reply or an update), so any change gives a new tag. The incident grain, the single writer of the incident, compares
/// it before an update that names one (the HTTP API's ETag and If-Match).
/// </summary>
public static class IncidentTag
{
    public static string Of(IncidentSummary incident)
    {
        // Milliseconds: what every storage keeps of the time, so the tag of a row read back is the tag it was written with.
        var text = string.Join('\u001f',
            incident.Reference,
            incident.Status.ToString(),
            incident.Queue ?? "\u0000",
            incident.Priority ?? "\u0000",
            incident.Category ?? "\u0000",
            incident.Assignee ?? "\u0000",
            string.Join('\u001e', incident.Tags),
            string.Join('\u001e', incident.RulesFired),
            incident.Updated.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 12));
    }
}

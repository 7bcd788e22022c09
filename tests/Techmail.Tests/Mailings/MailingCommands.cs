using System.Text.Json;
using Techmail.Tests.Support;

namespace Techmail.Tests.Mailings;

/// <summary>What the mailing tests do through the real client: send a list, read the report, wait for a state.</summary>
internal static class MailingCommands
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Sends the list file through the mailbox; returns the mailing's id.</summary>
    public static async Task<string> Send(Cli cli, string mailbox, string list, string message, string name, params string[] options) =>
        (await cli.Ok(["mailing", "send", "--mailbox", mailbox, "--recipients", list, "--message", message, "--name", name, .. options])).Trim();

    public static async Task<JsonElement> Report(Cli cli, string id) =>
        JsonDocument.Parse(await cli.Ok("mailing", "show", id, "--json")).RootElement.GetProperty("report").Clone();

    /// <summary>Each recipient's line of <c>mailing show --recipients</c>, by address (the first line of a duplicate).</summary>
    public static async Task<Dictionary<string, JsonElement>> Recipients(Cli cli, string id) =>
        JsonDocument.Parse(await cli.Ok("mailing", "show", id, "--recipients", "--json")).RootElement.GetProperty("recipients").EnumerateArray()
            .Select(r => r.Clone()).DistinctBy(r => r.GetProperty("address").GetString()).ToDictionary(r => r.GetProperty("address").GetString()!, r => r);

    /// <summary>The report once <paramref name="done"/> holds; a timeout names the report it last saw.</summary>
    public static async Task<JsonElement> Until(Cli cli, string id, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var report = await Report(cli, id);
            if (done(report))
            {
                return report;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"mailing {id} never got there: {report}");
            }

            await Task.Delay(500);
        }
    }

    public static bool Finished(JsonElement report) => report.GetProperty("mailing").GetProperty("state").GetString() == "Finished";

    /// <summary>The last mail the relay took for the address.</summary>
    public static ReceivedMail Mail(SmtpSink smtp, string address) =>
        smtp.Messages.Last(m => m.Recipients.Contains(address, StringComparer.OrdinalIgnoreCase));
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MimeKit;
using Techmail.Hosting;
using Techmail.Mailboxes;
using Techmail.Mailings;
using Techmail.Storage;
using Techmail.Tests.Support;

namespace Techmail.Bench;

/// <summary>
/// A mailing of N recipients through a local SMTP server: Techmail's whole path (list stored, each mail composed with
/// its merge, VERP and unsubscribe headers, queued in the outbox, sent, and recorded sent per recipient) against a
/// bare MailKit loop that composes and sends the same mails over the same number of connections (the outbox's four),
/// in the same run, to the same server. Techmail's time ends only when every recipient's row says sent.
/// </summary>
public static class MailingBenchmark
{
    private const int Connections = 4;

    public static async Task<int> Run(string[] args)
    {
        var recipients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var addresses = Enumerable.Range(0, recipients).Select(i => $"reader{i:000000}@example.net").ToList();
        var body = string.Concat(Enumerable.Repeat("Our news this month, in a few plain paragraphs of text for {first}.\n", 12));
        var template = Encoding.UTF8.GetBytes($"Subject: November news for {{first}}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body.Replace("\n", "\r\n", StringComparison.Ordinal)}");
        Console.WriteLine($"{recipients:N0} recipients, {Connections} SMTP connections each way; {Environment.ProcessorCount} cores.");

        await using var smtp = await SmtpSink.Start();

        // The bare loop: MimeKit composes each mail (the same merge), MailKit sends it, four connections at once.
        var bare = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(async c =>
        {
            using var client = new SmtpClient();
            await client.ConnectAsync("127.0.0.1", smtp.Port, SecureSocketOptions.None);
            for (var i = c; i < recipients; i += Connections)
            {
                var first = $"Reader{i}";
                using var message = new MimeMessage();
                message.From.Add(new MailboxAddress("Example News", "news@example.com"));
                message.To.Add(MailboxAddress.Parse(addresses[i]));
                message.Subject = $"November news for {first}";
                message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("example.com");
                message.Body = new TextPart("plain") { Text = body.Replace("{first}", first, StringComparison.Ordinal) };
                await client.SendAsync(message, MailboxAddress.Parse("bounces@example.com"), [MailboxAddress.Parse(addresses[i])]);
            }

            await client.DisconnectAsync(true);
        }));
        bare.Stop();
        var bareReceived = smtp.Count;

        using var data = new TempDirectory("techmail-bench-mailing");
        var options = new TechmailOptions { DataDirectory = data.Path, SiloPort = FreePort.Next(), GatewayPort = FreePort.Next(), HttpPort = FreePort.Next() };
        await SchemaInstaller.Apply(options.Database());
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo.AddTechmail(options));
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IMailboxGrain>(MailboxKey.For("bench", "news")).Create(MailboxSettings.Empty(MailboxType.Marketing) with
        {
            Enabled = true,
            Outgoing = new OutgoingSettings("bounces@example.com", "news@example.com", null, "Example News", new SmtpRelaySettings("127.0.0.1", smtp.Port, TlsMode.None, null, null)),
        });

        var list = new StringBuilder("email,first\n");
        for (var i = 0; i < recipients; i++)
        {
            list.Append(addresses[i]).Append(",Reader").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        var before = smtp.Count;
        var techmail = Stopwatch.StartNew();
        var (id, _) = await MailingSubmission.Submit(grains, "bench", "news", "bench", "bench-1", template, list.ToString(), null, null);
        var mailing = grains.GetGrain<IMailingGrain>(MailingKey.For("bench", id));
        MailingReport report;
        while (true)
        {
            await Task.Delay(100);
            if (smtp.Count - before >= recipients && (report = (await mailing.Report())!).Sent >= recipients)
            {
                break;
            }
        }

        techmail.Stop();
        var techmailReceived = smtp.Count - before;
        await host.StopAsync();

        var bareRate = recipients / bare.Elapsed.TotalSeconds;
        var techmailRate = recipients / techmail.Elapsed.TotalSeconds;
        Console.WriteLine($"bare MailKit loop : {bare.Elapsed.TotalSeconds,7:0.00} s  {bareRate,8:N0} mails/s  ({bareReceived:N0} received)");
        Console.WriteLine($"Techmail mailing  : {techmail.Elapsed.TotalSeconds,7:0.00} s  {techmailRate,8:N0} mails/s  ({techmailReceived:N0} received, {report.Sent:N0} recorded sent, {report.AwaitingBounces:N0} awaiting bounces)");
        Console.WriteLine($"ratio (Techmail / bare): {techmailRate / bareRate:0.00} (target 0.70)");
        return techmailReceived == recipients && report.Sent == recipients ? 0 : 1;
    }
}

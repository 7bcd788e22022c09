using Spectre.Console.Cli;
using Techmail.Client.Audit;
using Techmail.Client.Bounces;
using Techmail.Client.Certificates;
using Techmail.Client.Contacts;
using Techmail.Client.Database;
using Techmail.Client.Engine;
using Techmail.Client.Incidents;
using Techmail.Client.Infrastructure;
using Techmail.Client.Mailboxes;
using Techmail.Client.Messages;
using Techmail.Client.Mailings;
using Techmail.Client.Outbox;
using Techmail.Client.Quarantine;
using Techmail.Client.Rules;
using Techmail.Client.Tokens;
using Techmail.Client.Webhooks;

namespace Techmail.Client;

/// <summary>The <c>techmail</c> command tree, and a run of it: the command line is checked, then Spectre binds and runs it.</summary>
public static class TechmailApp
{
    public static async Task<int> Run(string[] args)
    {
        var (app, catalog) = Build();
        (IReadOnlyList<string> Args, bool Complete) checkedArgs;
        try
        {
            checkedArgs = new CommandLineCheck(catalog).Check(StandardStreams.Protect(args));
        }
        catch (CommandFailure failure)
        {
            Output.Error(failure.Message);
            return failure.ExitCode;
        }

        if (!checkedArgs.Complete)
        {
            // "techmail" or "techmail mailbox": what may follow, and the exit code of an incomplete command line.
            await app.RunAsync([.. checkedArgs.Args, "--help"]);
            return ExitCodes.Usage;
        }

        return await app.RunAsync(checkedArgs.Args);
    }

    /// <summary>The Spectre application, and the catalog of its commands filled in as they are registered.</summary>
    public static (CommandApp App, CommandCatalog Catalog) Build()
    {
        var catalog = new CommandCatalog();
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("techmail");
            // Whatever the check lets through that Spectre does not know is still refused, never ignored.
            config.UseStrictParsing();
            Register(catalog, config);
            config.SetExceptionHandler((exception, _) =>
            {
                // Parse errors and the like: one line, usage exit code.
                Output.Error(exception.Message);
                return ExitCodes.Usage;
            });
        });
        return (app, catalog);
    }

    private static void Register(CommandCatalog catalog, IConfigurator config)
    {
        catalog.Add<EngineStatusCommand>(config, "status", "Whether the engine can send and receive: mailboxes enabled, storage.");
        catalog.AddBranch(config, "mailbox", "Configure mailboxes and watch them work.", mailbox =>
        {
            mailbox.Add<AddCommand>("add", "Add a mailbox.")
                .WithExample("mailbox", "add", "support", "--type", "service", "--host", "pop.example.com", "--tls", "ssl", "--account", "support", "--password-stdin", "--enable");
            mailbox.Add<UpdateCommand>("update", "Change some settings of a mailbox.");
            mailbox.Add<ShowCommand>("show", "Show one mailbox's settings (passwords masked).");
            mailbox.Add<ListCommand>("list", "List the tenant's mailboxes.");
            mailbox.Add<EnableCommand>("enable", "Enable a mailbox: it starts polling and may send.");
            mailbox.Add<DisableCommand>("disable", "Disable a mailbox: no polls, no sending.");
            mailbox.Add<RemoveCommand>("remove", "Remove a mailbox and its schedule.");
            mailbox.Add<StatusCommand>("status", "Poll status of one mailbox or all.");
            mailbox.Add<PollCommand>("poll", "Poll a mailbox now (--wait to see the outcome).");
            mailbox.Add<ConnectCommand>("connect", "Connect a mailbox by a person's OAuth consent (device code); again after 'needs reconnecting'.");
            mailbox.Add<SendCommand>("send", "Send a message through a mailbox (checks its outgoing settings).");
            mailbox.Add<TraceCommand>("trace", "What happened to each message taken off the server.");
            mailbox.Add<ImportCommand>("import", "Create or replace mailboxes from a JSON file.");
            mailbox.Add<ExportCommand>("export", "Write the tenant's mailboxes as JSON.");
        });
        catalog.AddBranch(config, "audit", "Who changed what, when: settings before and after, secrets masked.", audit =>
        {
            audit.Add<AuditListCommand>("list", "Changes newest first (filters: --tenant, --since).");
        });
        catalog.AddBranch(config, "quarantine", "Messages that could not be handled, kept raw.", quarantine =>
        {
            quarantine.Add<QuarantineListCommand>("list", "List quarantined messages.");
            quarantine.Add<QuarantineShowCommand>("show", "Show one (--raw for the message itself).");
            quarantine.Add<QuarantineReprocessCommand>("reprocess", "Screen and hand off again.");
            quarantine.Add<QuarantineDropCommand>("drop", "Give up on a message.");
        });
        catalog.AddBranch(config, "incident", "Incidents opened from Service mail, and replies to them.", incident =>
        {
            incident.Add<IncidentListCommand>("list", "Incidents, newest first (filters: mailbox, status, queue, contact, text; paging).");
            incident.Add<IncidentShowCommand>("show", "One incident and its whole thread (customers' reply texts; --full for whole bodies).");
            incident.Add<IncidentAttachmentCommand>("attachment", "Save one attachment exactly as it arrived.");
            incident.Add<IncidentReplyCommand>("reply", "Answer the contact: added to the thread and mailed from the incident's mailbox.")
                .WithExample("incident", "reply", "261127-000042", "--body", "We have sent a new printer.", "--attach", "label.pdf");
            incident.Add<IncidentUpdateCommand>("update", "Change status, queue, priority, category or assignee.");
        });
        catalog.AddBranch(config, "outbox", "Mail queued for sending by each mailbox.", outbox =>
        {
            outbox.Add<OutboxListCommand>("list", "Queued, sent and failed mail, newest first (filters: mailbox, state).");
        });
        catalog.AddBranch(config, "mailing", "Mailings from Marketing mailboxes: send, follow, pause, resume, cancel.", mailing =>
        {
            mailing.Add<MailingSendCommand>("send", "Send a message to a recipient list through a Marketing mailbox; prints the mailing's id.")
                .WithExample("mailing", "send", "--mailbox", "news", "--recipients", "list.csv", "--message", "november.eml", "--rate", "600");
            mailing.Add<MailingListCommand>("list", "The tenant's mailings, newest first.");
            mailing.Add<MailingShowCommand>("show", "Sent, suppressed, delivered, bounced (hard and soft, by reason), complaints, unsubscribes, retries.");
            mailing.Add<MailingPauseCommand>("pause", "Queue no more of the mailing (what the outbox holds still goes).");
            mailing.Add<MailingResumeCommand>("resume", "Go on with a paused mailing.");
            mailing.Add<MailingCancelCommand>("cancel", "Mail no one else: pending recipients and mail still in the outbox are cancelled.");
        });
        catalog.AddBranch(config, "bounce", "What came back from mailings.", bounce =>
        {
            bounce.Add<BounceListCommand>("list", "Bounces, newest first (filters: mailbox, reason, hard/soft, address, since).");
            bounce.Add<BounceClassifyCommand>("classify", "Offline: what the classifier decides for message files.");
        });
        catalog.AddBranch(config, "message", "Message files, read offline the way intake reads them.", message =>
        {
            message.Add<MessageInspectCommand>("inspect", "Offline: sender, subject, body, attachments and whether a message is automated.");
        });
        catalog.AddBranch(config, "contact", "Addresses: service contact, incidents, bounce history and invalid flag.", contact =>
        {
            contact.Add<ContactShowCommand>("show", "An address: its contact, newest incidents, bounce history and invalid flag.");
            contact.Add<ContactListCommand>("list", "Addresses not to mail (--invalid).");
            contact.Add<ContactRevalidateCommand>("revalidate", "Mark an address valid again.");
        });
        catalog.AddBranch(config, "rules", "Business rules for Service mail: conditions, actions, in order.", rules =>
        {
            rules.Add<RulesImportCommand>("import", "Replace the tenant's rules with a JSON file's (all or nothing).");
            rules.Add<RulesExportCommand>("export", "Write the tenant's rules as JSON.");
            rules.Add<RulesListCommand>("list", "The rules in the order they run.");
            rules.Add<RulesTestCommand>("test", "Which rules a message file would fire, and the incident fields. Changes nothing.")
                .WithExample("rules", "test", "message.eml", "--mailbox", "support");
        });
        catalog.AddBranch(config, "cert", "Certificates: mailboxes' own (with keys), trusted CAs (S/MIME or server TLS), customers', and CRLs.", cert =>
        {
            cert.Add<CertImportCommand>("import", "Import a certificate, a PKCS#12 file with its key, or a CRL.")
                .WithExample("cert", "import", "support.p12", "--password-stdin");
            cert.Add<CertListCommand>("list", "Subject, issuer, thumbprint, validity and mailboxes using each.");
            cert.Add<CertShowCommand>("show", "One certificate.");
            cert.Add<CertRemoveCommand>("remove", "Remove a certificate or CRL (not one a mailbox uses).");
        });
        catalog.AddBranch(config, "token", "Access tokens: who may do what in a tenant (see README, Who may do what).", token =>
        {
            token.Add<TokenCreateCommand>("create", "Create a token (admin, agent or auditor); it is printed once.")
                .WithExample("token", "create", "--tenant", "t1", "--role", "agent", "--name", "alice", "--expires", "90d");
            token.Add<TokenListCommand>("list", "The tenant's tokens (never the tokens themselves).");
            token.Add<TokenRevokeCommand>("revoke", "Revoke a token by name; calls with it are refused from then on.");
        });
        catalog.AddBranch(config, "webhook", "Webhooks: the tenant's events POSTed, signed, to receivers over HTTP.", webhook =>
        {
            webhook.Add<WebhookAddCommand>("add", "Add a webhook; its signing secret is printed once.")
                .WithExample("webhook", "add", "https://hooks.example.com/techmail", "--event", "incident.created", "--event", "reply.received");
            webhook.Add<WebhookListCommand>("list", "The tenant's webhooks, with their deliveries queued, delivered and failed.");
            webhook.Add<WebhookRemoveCommand>("remove", "Remove a webhook and its deliveries.");
            webhook.Add<WebhookTestCommand>("test", "Send a signed ping now and print the receiver's answer.");
        });
        catalog.AddBranch(config, "db", "The database behind the silos.", db =>
        {
            db.Add<DbInitCommand>("init", "Create or update the schema (safe to run again).");
        });
    }
}

using Spectre.Console.Cli;
using Techmail.Client.Bounces;
using Techmail.Client.Certificates;
using Techmail.Client.Contacts;
using Techmail.Client.Database;
using Techmail.Client.Engine;
using Techmail.Client.Incidents;
using Techmail.Client.Infrastructure;
using Techmail.Client.Mailboxes;
using Techmail.Client.Messages;
using Techmail.Client.Outbox;
using Techmail.Client.Quarantine;
using Techmail.Client.Rules;

if (Console.IsOutputRedirected)
{
    // Piped into grep or a file: do not squeeze tables into 80 columns.
    Spectre.Console.AnsiConsole.Profile.Width = 240;
}

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("techmail");
    config.AddCommand<EngineStatusCommand>("status").WithDescription("Whether the engine can send and receive: mailboxes enabled, storage.");
    config.AddBranch("mailbox", mailbox =>
    {
        mailbox.SetDescription("Configure mailboxes and watch them work.");
        mailbox.AddCommand<AddCommand>("add").WithDescription("Add a mailbox.")
            .WithExample("mailbox", "add", "support", "--type", "service", "--host", "pop.example.com", "--tls", "ssl", "--account", "support", "--password-stdin", "--enable");
        mailbox.AddCommand<UpdateCommand>("update").WithDescription("Change some settings of a mailbox.");
        mailbox.AddCommand<ShowCommand>("show").WithDescription("Show one mailbox's settings (passwords masked).");
        mailbox.AddCommand<ListCommand>("list").WithDescription("List the tenant's mailboxes.");
        mailbox.AddCommand<EnableCommand>("enable").WithDescription("Enable a mailbox: it starts polling and may send.");
        mailbox.AddCommand<DisableCommand>("disable").WithDescription("Disable a mailbox: no polls, no sending.");
        mailbox.AddCommand<RemoveCommand>("remove").WithDescription("Remove a mailbox and its schedule.");
        mailbox.AddCommand<StatusCommand>("status").WithDescription("Poll status of one mailbox or all.");
        mailbox.AddCommand<PollCommand>("poll").WithDescription("Poll a mailbox now (--wait to see the outcome).");
        mailbox.AddCommand<SendCommand>("send").WithDescription("Send a message through a mailbox (checks its outgoing settings).");
        mailbox.AddCommand<TraceCommand>("trace").WithDescription("What happened to each message taken off the server.");
        mailbox.AddCommand<ImportCommand>("import").WithDescription("Create or replace mailboxes from a JSON file.");
        mailbox.AddCommand<ExportCommand>("export").WithDescription("Write the tenant's mailboxes as JSON.");
    });
    config.AddBranch("quarantine", quarantine =>
    {
        quarantine.SetDescription("Messages that could not be handled, kept raw.");
        quarantine.AddCommand<QuarantineListCommand>("list").WithDescription("List quarantined messages.");
        quarantine.AddCommand<QuarantineShowCommand>("show").WithDescription("Show one (--raw for the message itself).");
        quarantine.AddCommand<QuarantineReprocessCommand>("reprocess").WithDescription("Screen and hand off again.");
        quarantine.AddCommand<QuarantineDropCommand>("drop").WithDescription("Give up on a message.");
    });
    config.AddBranch("incident", incident =>
    {
        incident.SetDescription("Incidents opened from Service mail, and replies to them.");
        incident.AddCommand<IncidentListCommand>("list").WithDescription("Incidents, newest first (filters: mailbox, status, queue, contact, text; paging).");
        incident.AddCommand<IncidentShowCommand>("show").WithDescription("One incident and its whole thread.");
        incident.AddCommand<IncidentAttachmentCommand>("attachment").WithDescription("Save one attachment exactly as it arrived.");
        incident.AddCommand<IncidentReplyCommand>("reply").WithDescription("Answer the contact: added to the thread and mailed from the incident's mailbox.")
            .WithExample("incident", "reply", "261127-000042", "--body", "We have sent a new printer.", "--attach", "label.pdf");
        incident.AddCommand<IncidentUpdateCommand>("update").WithDescription("Change status, queue, priority, category or assignee.");
    });
    config.AddBranch("outbox", outbox =>
    {
        outbox.SetDescription("Mail queued for sending by each mailbox.");
        outbox.AddCommand<OutboxListCommand>("list").WithDescription("Queued, sent and failed mail, newest first (filters: mailbox, state).");
    });
    config.AddBranch("bounce", bounce =>
    {
        bounce.SetDescription("What came back from mailings.");
        bounce.AddCommand<BounceListCommand>("list").WithDescription("Bounces, newest first (filters: mailbox, reason, hard/soft, address, since).");
        bounce.AddCommand<BounceClassifyCommand>("classify").WithDescription("Offline: what the classifier decides for message files.");
    });
    config.AddBranch("message", message =>
    {
        message.SetDescription("Message files, read offline the way intake reads them.");
        message.AddCommand<MessageInspectCommand>("inspect").WithDescription("Offline: sender, subject, body, attachments and whether a message is automated.");
    });
    config.AddBranch("contact", contact =>
    {
        contact.SetDescription("Addresses: service contact, incidents, bounce history and invalid flag.");
        contact.AddCommand<ContactShowCommand>("show").WithDescription("An address: its contact, newest incidents, bounce history and invalid flag.");
        contact.AddCommand<ContactListCommand>("list").WithDescription("Addresses not to mail (--invalid).");
        contact.AddCommand<ContactRevalidateCommand>("revalidate").WithDescription("Mark an address valid again.");
    });
    config.AddBranch("rules", rules =>
    {
        rules.SetDescription("Business rules for Service mail: conditions, actions, in order.");
        rules.AddCommand<RulesImportCommand>("import").WithDescription("Replace the tenant's rules with a JSON file's (all or nothing).");
        rules.AddCommand<RulesExportCommand>("export").WithDescription("Write the tenant's rules as JSON.");
        rules.AddCommand<RulesListCommand>("list").WithDescription("The rules in the order they run.");
        rules.AddCommand<RulesTestCommand>("test").WithDescription("Which rules a message file would fire, and the incident fields. Changes nothing.")
            .WithExample("rules", "test", "message.eml", "--mailbox", "support");
    });
    config.AddBranch("cert", cert =>
    {
        cert.SetDescription("S/MIME certificates: mailboxes' own (with keys), trusted CAs, customers', and CRLs.");
        cert.AddCommand<CertImportCommand>("import").WithDescription("Import a certificate, a PKCS#12 file with its key, or a CRL.")
            .WithExample("cert", "import", "support.p12", "--password-stdin");
        cert.AddCommand<CertListCommand>("list").WithDescription("Subject, issuer, thumbprint, validity and mailboxes using each.");
        cert.AddCommand<CertShowCommand>("show").WithDescription("One certificate.");
        cert.AddCommand<CertRemoveCommand>("remove").WithDescription("Remove a certificate or CRL (not one a mailbox uses).");
    });
    config.AddBranch("db", db =>
    {
        db.SetDescription("The database behind the silos.");
        db.AddCommand<DbInitCommand>("init").WithDescription("Create or update the schema (safe to run again).");
    });
    config.SetExceptionHandler((exception, _) =>
    {
        // Parse errors and the like: one line, usage exit code.
        Output.Error(exception.Message);
        return ExitCodes.Usage;
    });
});

return await app.RunAsync(StandardStreams.Protect(args));

using Spectre.Console;
using Techmail.Client.Infrastructure;
using Techmail.Connections;
using Techmail.Mailboxes;
using Techmail.Tenants;

namespace Techmail.Client.Mailboxes;

/// <summary>How mailboxes look in a terminal.</summary>
public static class MailboxRendering
{
    public static void Show(MailboxView view)
    {
        var s = view.Settings;
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string label, string? value) => grid.AddRow($"[grey]{label}[/]", Output.Escape(value ?? "-"));

        Row("Mailbox", $"{view.Tenant}/{view.Name}");
        Row("Type", s.Type.ToString());
        Row("Enabled", s.Enabled ? "yes" : "no");
        Row("Direction", s.Direction.ToString());
        if (s.Incoming is { } i)
        {
            Row("Incoming", $"{i.Protocol} {i.Host}:{i.EffectivePort} tls={i.Tls}");
            Row("Account", i.Account);
            Row("Password", i.Password is null ? "-" : Secret.Mask);
            Row("Auth mechanisms", i.AuthMechanisms.Count == 0 ? "any" : string.Join(", ", i.AuthMechanisms));
            Row("Password without TLS", i.AllowPlaintextPassword ? "allowed" : "refused");
            OAuthRows(i.OAuth, "", Row);
            Row("Trust", i.Trust is null ? "system store" : string.Join(", ", new[] { i.Trust.CaCertificatePem is null ? null : "own CA", i.Trust.PinnedSha256 is null ? null : $"pinned {i.Trust.PinnedSha256}" }.OfType<string>()));
            if (i.ProcessedFolder is not null)
            {
                Row("Processed folder", i.ProcessedFolder);
            }

            Row("Push (IMAP IDLE)", i.Push ? "on" : "off");
            Row("Trusted authserv-ids", i.TrustedAuthServIds is { Count: > 0 } ids ? string.Join(", ", ids) : "none (Authentication-Results headers ignored)");
            Row("Reply-To", i.AllowAnyReplyTo ? "any address" : "only in the From's domain");
        }

        if (s.Outgoing is { } o)
        {
            Row("Envelope from", o.EnvelopeFrom);
            Row("Friendly from", o.FriendlyFrom);
            Row("Reply-To", o.ReplyTo);
            Row("Display name", o.DisplayName);
            if (o.Relay is { } r)
            {
                Row("SMTP relay", $"{r.Host}:{r.EffectivePort} tls={r.Tls}" + (r.User is null ? "" : $" user={r.User}"));
                Row("SMTP auth mechanisms", r.AuthMechanisms is { Count: > 0 } smtpMechanisms ? string.Join(", ", smtpMechanisms) : "any");
                Row("SMTP password without TLS", r.AllowPlaintextPassword ? "allowed" : "refused");
                OAuthRows(r.OAuth, "SMTP ", Row);
            }
        }

        Row("Poll interval", Duration(s.PollInterval));
        if (s.Type == MailboxType.Marketing)
        {
            Row("Soft-bounce retry window", $"{s.EffectiveSoftBounceRetryWindow.TotalDays:0.##} days" + (s.SoftBounceRetryWindow is null ? " (default)" : ""));
        }

        foreach (var f in s.DiscardFilters)
        {
            Row("Discard filter", $"{f.Name}: {(f.Field == FilterField.Header ? $"header {f.HeaderName}" : f.Field.ToString())} {f.Match} '{f.Value}'");
        }

        var a = s.Attachments;
        Row("Max attachment", a.MaxAttachmentBytes is { } ma ? Size(ma) : "no limit");
        Row("Max message", a.MaxMessageBytes is { } mm ? Size(mm) : "no limit");
        Row("Allowed types", a.AllowedTypes.Count == 0 ? "any" : string.Join(", ", a.AllowedTypes));
        Row("Blocked types", a.BlockedTypes.Count == 0 ? "none" : string.Join(", ", a.BlockedTypes));
        Row("Reject forward", s.RejectForwardAddresses.Count == 0 ? "quarantine" : string.Join(", ", s.RejectForwardAddresses));
        Row("S/MIME", s.Smime is not { } m ? "off (signed mail is still verified, encrypted mail decrypted)"
            : $"sign {(m.Sign ? "yes" : "no")}, encrypt {m.Encrypt.ToString().ToLowerInvariant()}, "
                + (m.RequireValidSignature ? $"valid signature required{(m.AcceptUnsigned ? " (unsigned accepted)" : "")}" : "signatures recorded"));
        Row("Created", view.Created.ToString("u"));
        Row("Updated", view.Updated.ToString("u"));
        AnsiConsole.Write(grid);
    }

    private static void OAuthRows(OAuthSettings? oauth, string side, Action<string, string?> row)
    {
        if (oauth is null)
        {
            return;
        }

        row($"{side}OAuth", $"{oauth.Mechanism} client={oauth.ClientId} token url={oauth.TokenUrl}" + (oauth.Scope is null ? "" : $" scope={oauth.Scope}"));
        row($"{side}OAuth client secret", oauth.ClientSecret is null ? "-" : Secret.Mask);
    }

    public static void Status(string name, MailboxStatus st)
    {
        var grid = new Grid().AddColumn().AddColumn();
        void Row(string label, string? value) => grid.AddRow($"[grey]{label}[/]", Output.Escape(value ?? "-"));
        Row("Mailbox", name);
        Row("State", st.State.ToString());
        Row("Last poll", st.LastPollStarted?.ToString("u"));
        Row("Duration", st.LastPollDuration is { } d ? $"{d.TotalSeconds:0.0}s" : null);
        Row("Next poll", st.NextPoll?.ToString("u"));
        Row("Last success", st.LastSuccess?.ToString("u"));
        var c = st.Counts;
        Row("Fetched", c.Fetched.ToString());
        Row("Accepted", c.Accepted.ToString());
        Row("Discarded", c.Discarded.ToString());
        Row("Rejected", c.Rejected.ToString());
        Row("Quarantined", c.Quarantined.ToString());
        Row("Duplicates", c.Duplicates.ToString());
        Row("Failures in a row", st.ConsecutiveFailures.ToString());
        Row("Last error", st.LastError);
        Row("Circuit", st.Circuit.ToString());
        Row("Backing off until", st.BackoffUntil is { } until ? $"{until:u} ({st.ConsecutiveFailures} failed polls in a row; polls resume at the normal interval after one succeeds)" : null);
        Row("Push", st.Push);
        if (st.Grant is { } grant)
        {
            Row("Connected as", grant.Account);
            if (ConsentedByAnother(name, grant) is { } note)
            {
                grid.AddRow("[yellow]Consented by another account[/]", Output.Escape(note));
            }

            Row("Connected", grant.ConnectedAt.ToString("u"));
            Row("Token refreshed", grant.LastRefresh?.ToString("u"));
        }

        if (st.NeedsReconnecting)
        {
            // The one thing the admin must do: said in words, not only as a flag.
            grid.AddRow("[red]Needs reconnecting[/]", Output.Escape($"since {st.Grant!.NeedsReconnectingSince:u}: {st.Grant.Problem}; run 'techmail mailbox connect {name}'"));
        }

        AnsiConsole.Write(grid);
    }

    /// <summary>The note on a consent another account gave (<see cref="GrantStatus.ConsentedByAnotherNote"/>), or null.</summary>
    public static string? ConsentedByAnother(string name, GrantStatus grant) =>
        grant.ConsentedByAnotherNote($"run 'techmail mailbox connect {name}' again");

    public static Table ListTable(IEnumerable<MailboxSummary> items)
    {
        var table = new Table().AddColumns("Name", "Type", "Enabled", "Direction", "Incoming account", "Envelope from", "Poll");
        foreach (var m in items)
        {
            table.AddRow(
                Output.Escape(m.Name),
                m.Type.ToString(),
                m.Enabled ? "[green]yes[/]" : "[grey]no[/]",
                m.Direction.ToString(),
                Output.Escape(m.IncomingAccount ?? "-"),
                Output.Escape(m.EnvelopeFrom ?? "-"),
                Duration(m.PollInterval));
        }

        return table;
    }

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 && t.TotalHours % 1 == 0 ? $"{t.TotalHours:0}h"
        : t.TotalMinutes >= 1 && t.TotalMinutes % 1 == 0 ? $"{t.TotalMinutes:0}m"
        : $"{t.TotalSeconds:0}s";

    public static string Size(long bytes) =>
        bytes % (1 << 20) == 0 ? $"{bytes >> 20}MB" : bytes % 1024 == 0 ? $"{bytes >> 10}KB" : $"{bytes}B";
}

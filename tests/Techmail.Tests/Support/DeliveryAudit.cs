using System.Data.Common;
using System.Globalization;
using Techmail.MailFactory;
using Techmail.Storage;

namespace Techmail.Tests.Support;

/// <summary>One message put on a mail server: the mailbox that reads it and the generated mail (with its token).</summary>
/// <param name="FirstCopy">For a redelivery, the token of the copy delivered first (same Message-ID and sender).</param>
public sealed record DeliveredMail(string Mailbox, GeneratedMail Mail, string? FirstCopy = null);

/// <summary>Something the engine recorded for a message: what it became, in which mailbox, under which key.</summary>
/// <param name="What">incident, bounce, quarantined, discarded, rejected or duplicate.</param>
public sealed record MailOutcome(string What, string Mailbox, string MessageKey, string Detail)
{
    public override string ToString() =>
        $"{What} in {Mailbox}{(MessageKey.Length > 0 ? $" (key {MessageKey[..Math.Min(12, MessageKey.Length)]})" : "")}{(Detail.Length > 0 ? ": " + Detail : "")}";
}

/// <summary>Where one delivered message ended up.</summary>
/// <param name="Outcomes">The final things it became; exactly one when all is well.</param>
/// <param name="Notes">What else was found of it that is not an outcome (waiting in intake, built without an entry).</param>
/// <param name="Acknowledgements">Acknowledgements the SMTP server received for it.</param>
/// <param name="Forwards">Copies of it the SMTP server received for the reject-forward addresses.</param>
/// <param name="AcknowledgementIds">
/// The Message-IDs of those acknowledgements: one id sent twice is the outbox sending one row again (a crash or a lost
/// answer), two ids are two rows queued for one mail (the builder).
/// </param>
public sealed record AuditedMail(DeliveredMail Delivered, IReadOnlyList<MailOutcome> Outcomes, IReadOnlyList<string> Notes, int Acknowledgements, int Forwards = 0, IReadOnlyList<string>? AcknowledgementIds = null)
{
    public string Token => Delivered.Mail.Token;

    public string Describe() =>
        $"{Token} ({Delivered.Mail.Kind}, delivered to {Delivered.Mailbox}): "
        + (Outcomes.Count == 0 ? "no outcome" : string.Join("; ", Outcomes))
        + (Notes.Count == 0 ? "" : " [" + string.Join("; ", Notes) + "]")
        + $"; {Acknowledgements} acknowledgement(s)" + AcknowledgementIdsNote()
        + (Forwards > 0 ? $", forwarded {Forwards} time(s)" : "");

    private string AcknowledgementIdsNote() => AcknowledgementIds is { Count: > 1 } ids
        ? ids.Distinct(StringComparer.Ordinal).Count() == 1 ? " (one Message-ID, sent again)" : $" (Message-IDs {string.Join(", ", ids)})"
        : "";
}

/// <summary>The whole account of a run: every delivered message against what the engine recorded and sent.</summary>
public sealed class AuditReport(IReadOnlyList<AuditedMail> mail, IReadOnlyList<string> strays)
{
    public IReadOnlyList<AuditedMail> Mail { get; } = mail;

    /// <summary>Tokens found in the engine's records that nobody delivered (another message's bytes, a mix-up).</summary>
    public IReadOnlyList<string> Strays { get; } = strays;

    public int Delivered => Mail.Count;

    /// <summary>Messages with exactly one outcome.</summary>
    public int Accounted => Mail.Count(m => m.Outcomes.Count == 1);

    public IReadOnlyList<AuditedMail> Lost => [.. Mail.Where(m => m.Outcomes.Count == 0)];

    /// <summary>
    /// Messages that became more than one thing, and redeliveries of a mail already turned into an incident that became
    /// an incident entry again (issue 16: they must be recorded as duplicates).
    /// </summary>
    public IReadOnlyList<AuditedMail> Doubled => [.. Mail.Where(m => m.Outcomes.Count > 1 || m.Forwards > 1 || (m.Delivered.FirstCopy is not null && m.Outcomes.Any(o => o.What == "incident") && FirstCopyIsIncident(m)))];

    /// <summary>Messages acknowledged more than once, and redeliveries acknowledged as well as their first copy.</summary>
    public IReadOnlyList<AuditedMail> AcknowledgementsDoubled => [.. Mail.Where(m => m.Acknowledgements > 1 || (m.Delivered.FirstCopy is { } first && m.Acknowledgements > 0 && ByToken(first)?.Acknowledgements > 0))];

    public int Quarantined => Mail.Count(m => m.Outcomes.Count == 1 && m.Outcomes[0].What == "quarantined");

    public int Count(string what) => Mail.Count(m => m.Outcomes.Count == 1 && m.Outcomes[0].What == what);

    public string Line =>
        $"chaos: delivered {Delivered}, accounted {Accounted}, lost {Lost.Count}, doubled {Doubled.Count}, acknowledgements doubled {AcknowledgementsDoubled.Count}, quarantined {Quarantined}";

    /// <summary>Every problem, one line each, for an engineer to start from.</summary>
    public IEnumerable<string> Problems() =>
        Doubled.Select(m => "doubled " + m.Describe() + (m.Delivered.FirstCopy is { } f ? $" (redelivery of {f})" : ""))
            .Concat(AcknowledgementsDoubled.Select(m => "acknowledgement doubled " + m.Describe() + (m.Delivered.FirstCopy is { } f ? $" (redelivery of {f})" : "")))
            .Concat(Strays.Select(s => "stray " + s))
            .Concat(Lost.Select(m => "lost " + m.Describe()));

    /// <summary>How many of each kind were lost and doubled: where to look first.</summary>
    public string ByKind() => string.Join(", ", Mail
        .Where(m => m.Outcomes.Count != 1 || Doubled.Contains(m))
        .GroupBy(m => m.Delivered.Mail.Kind)
        .OrderBy(g => g.Key, StringComparer.Ordinal)
        .Select(g => $"{g.Key}: {g.Count(m => m.Outcomes.Count == 0)} lost, {g.Count(Doubled.Contains)} doubled"));

    private AuditedMail? ByToken(string token) => Mail.FirstOrDefault(m => m.Token == token);

    private bool FirstCopyIsIncident(AuditedMail m) => ByToken(m.Delivered.FirstCopy!)?.Outcomes.Any(o => o.What == "incident") == true;
}

/// <summary>
/// Accounts for delivered mail from the engine's own records, read straight from its database, by the token each
/// generated message carries. Raw bytes (intake's copy, the quarantine's copy) say which message a key is; the trace's
/// subject, Message-ID and sender say it for keys whose bytes were never kept (discarded, rejected). Outcomes come from
/// incident entries, bounce intake, quarantine rows and trace verdicts; acknowledgements from what the SMTP server
/// received, minus what went to the reject-forward addresses.
/// </summary>
public static class DeliveryAudit
{
    public static async Task<AuditReport> Run(
        TechmailDatabase database, string tenant, IReadOnlyList<DeliveredMail> delivered, IReadOnlyList<ReceivedMail> sent, IReadOnlySet<string> forwardAddresses,
        IEnumerable<(string Mailbox, byte[] Raw)>? stillOnServers = null)
    {
        var tokensOfKey = new Dictionary<(string Mailbox, string Key), HashSet<string>>();
        var outcomes = new Dictionary<(string Mailbox, string Key), List<MailOutcome>>();
        var notes = new Dictionary<(string Mailbox, string Key), List<string>>();

        void Tokens((string, string) key, IEnumerable<string> tokens)
        {
            if (!tokensOfKey.TryGetValue(key, out var set))
            {
                tokensOfKey[key] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(tokens);
        }

        void Add<T>(Dictionary<(string, string), List<T>> map, (string, string) key, T value)
        {
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = [];
            }

            list.Add(value);
        }

        await using var connection = await database.OpenAsync();
        await Read(connection, "SELECT mailbox, message_key, raw FROM techmail_inbound_raw WHERE tenant = @t", tenant,
            r => Tokens((r.GetString(0), r.GetString(1)), MailToken.FindAll(r.GetFieldValue<byte[]>(2))));
        await Read(connection, "SELECT mailbox, message_key, raw, reason, state, id FROM techmail_quarantine WHERE tenant = @t", tenant, r =>
        {
            var key = (r.GetString(0), r.GetString(1));
            Tokens(key, MailToken.FindAll(r.GetFieldValue<byte[]>(2)));
            Add(outcomes, key, new MailOutcome("quarantined", key.Item1, key.Item2, $"{r.GetString(4)} {r.GetString(5)}: {OneLine(r.GetString(3))}"));
        });

        var traced = new Dictionary<(string, string), string>();
        await Read(connection, "SELECT mailbox, message_key, verdict, reason, subject, message_id, sender FROM techmail_message_trace WHERE tenant = @t", tenant, r =>
        {
            var key = (r.GetString(0), r.GetString(1));
            var verdict = r.GetString(2);
            traced[key] = verdict;
            if (!tokensOfKey.ContainsKey(key))
            {
                Tokens(key, MailToken.FindAll($"{Text(r, 4)} {Text(r, 5)} {Text(r, 6)}"));
            }

            if (verdict is "Discarded" or "Rejected" or "Duplicate")
            {
                Add(outcomes, key, new MailOutcome(verdict.ToLowerInvariant(), key.Item1, key.Item2, OneLine(Text(r, 3))));
            }
        });

        // An entry's message key is unique in the tenant; the mailbox is the one whose intake recorded the key.
        var entries = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await Read(connection, "SELECT e.message_key, e.reference, i.mailbox FROM techmail_incident_entries e LEFT JOIN techmail_incidents i ON i.tenant = e.tenant AND i.reference = e.reference WHERE e.tenant = @t AND e.message_key IS NOT NULL", tenant, r =>
        {
            if (!entries.TryGetValue(r.GetString(0), out var list))
            {
                entries[r.GetString(0)] = list = [];
            }

            list.Add($"{r.GetString(1)} (incident of {Text(r, 2)})");
        });
        foreach (var key in tokensOfKey.Keys.Concat(traced.Keys).Distinct())
        {
            foreach (var entry in entries.GetValueOrDefault(key.Item2) ?? [])
            {
                Add(outcomes, key, new MailOutcome("incident", key.Item1, key.Item2, entry));
            }
        }

        await Read(connection, "SELECT i.mailbox, i.message_key, i.kind, i.state, (SELECT COUNT(*) FROM techmail_bounces b WHERE b.tenant = i.tenant AND b.message_key = i.message_key) FROM techmail_inbound i WHERE i.tenant = @t", tenant, r =>
        {
            var key = (r.GetString(0), r.GetString(1));
            var (kind, state) = (r.GetString(2), r.GetString(3));
            if (kind == "bounce")
            {
                Add(outcomes, key, new MailOutcome("bounce", key.Item1, key.Item2, $"{Convert.ToInt64(r.GetValue(4), CultureInfo.InvariantCulture)} address event(s)"));
            }
            else if (state is not ("done" or "quarantined" or "held"))
            {
                Add(notes, key, $"waiting in intake ({state}) in {key.Item1}");
            }
        });

        // Mail that intake marked done but that no incident entry came from: recorded, then nothing.
        await Read(connection, "SELECT mailbox, message_key FROM techmail_inbound WHERE tenant = @t AND kind <> 'bounce' AND state = 'done'", tenant, r =>
        {
            var key = (r.GetString(0), r.GetString(1));
            if (!(outcomes.TryGetValue(key, out var o) && o.Any(x => x.What == "incident")))
            {
                Add(notes, key, $"intake done in {key.Item1} but no incident entry");
            }
        });

        foreach (var (key, verdict) in traced)
        {
            if (verdict == "Accepted" && !outcomes.ContainsKey(key) && !notes.ContainsKey(key))
            {
                Add(notes, key, $"trace says accepted in {key.Item1}, intake has no record");
            }
        }

        var byToken = new Dictionary<string, (List<MailOutcome> Outcomes, List<string> Notes)>(StringComparer.Ordinal);
        foreach (var (key, tokens) in tokensOfKey)
        {
            foreach (var token in tokens)
            {
                if (!byToken.TryGetValue(token, out var found))
                {
                    byToken[token] = found = ([], []);
                }

                found.Outcomes.AddRange(outcomes.GetValueOrDefault(key) ?? []);
                found.Notes.AddRange(notes.GetValueOrDefault(key) ?? []);
            }
        }

        foreach (var (mailbox, raw) in stillOnServers ?? [])
        {
            foreach (var token in MailToken.FindAll(raw))
            {
                if (!byToken.TryGetValue(token, out var found))
                {
                    byToken[token] = found = ([], []);
                }

                found.Notes.Add($"still on the server of {mailbox}");
            }
        }

        // What went to the reject-forward addresses is a rejected mail's copy; anything else sent is an acknowledgement.
        var acknowledgements = new Dictionary<string, int>(StringComparer.Ordinal);
        var acknowledgementIds = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var forwards = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var mail in sent)
        {
            var forward = mail.Recipients.Any(forwardAddresses.Contains);
            var counts = forward ? forwards : acknowledgements;
            foreach (var token in MailToken.FindAll(mail.Raw))
            {
                counts[token] = counts.GetValueOrDefault(token) + 1;
                if (!forward)
                {
                    (acknowledgementIds.TryGetValue(token, out var ids) ? ids : acknowledgementIds[token] = []).Add(MessageIdOf(mail.Raw));
                }
            }
        }

        var deliveredTokens = delivered.Select(d => d.Mail.Token).ToHashSet(StringComparer.Ordinal);
        var audited = delivered.Select(d =>
        {
            var (found, foundNotes) = byToken.GetValueOrDefault(d.Mail.Token, ([], []));
            var forwarded = forwards.GetValueOrDefault(d.Mail.Token);
            if (forwarded > 0 && !found.Any(o => o.What == "rejected"))
            {
                // A rejected mail whose trace row names no token (no readable subject or Message-ID): its forward says it.
                found = [.. found, new MailOutcome("rejected", d.Mailbox, "", "forwarded, but no trace row names it (none written, or no readable subject or Message-ID)")];
            }

            return new AuditedMail(d, found, foundNotes, acknowledgements.GetValueOrDefault(d.Mail.Token), forwarded, acknowledgementIds.GetValueOrDefault(d.Mail.Token));
        }).ToList();
        var strays = byToken.Keys.Where(t => !deliveredTokens.Contains(t)).Order(StringComparer.Ordinal).Select(t => $"{t}: {string.Join("; ", byToken[t].Outcomes)}").ToList();
        return new AuditReport(audited, strays);
    }

    /// <summary>The Message-ID header of sent mail, read from its header block without parsing the rest.</summary>
    private static string MessageIdOf(byte[] raw)
    {
        using var stream = new MemoryStream(raw, writable: false);
        try
        {
            return MimeKit.HeaderList.Load(stream)[MimeKit.HeaderId.MessageId]?.Trim() ?? "(none)";
        }
        catch (FormatException)
        {
            return "(unreadable)";
        }
    }

    private static async Task Read(DbConnection connection, string sql, string tenant, Action<DbDataReader> row)
    {
        await using var command = TechmailDatabase.Command(connection, sql, ("@t", tenant));
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            row(reader);
        }
    }

    private static string Text(DbDataReader reader, int column) => reader.IsDBNull(column) ? "" : reader.GetString(column);

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length > 160 ? line[..160] + "…" : line;
    }
}

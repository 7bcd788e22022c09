using System.Text;
using MimeKit;
using Techmail.Incidents;

namespace Techmail.Tests.Incidents;

public sealed class TrackingTokenTests
{
    private static readonly byte[] AcmeKey = Encoding.ASCII.GetBytes("acme-tracking-key-0123456789abcdef");
    private static readonly byte[] GlobexKey = Encoding.ASCII.GetBytes("globex-tracking-key-0123456789abcd");
    private const string Reference = "261126-000042";

    private static string NewId() => TrackingToken.Create(AcmeKey, "acme", Reference, "support.acme.example");

    /// <summary>The id without brackets, split into its dot-separated local-part fields and the domain.</summary>
    private static (string[] Fields, string Domain) Split(string messageId)
    {
        var bare = messageId.Trim('<', '>');
        var at = bare.LastIndexOf('@');
        return (bare[..at].Split('.'), bare[(at + 1)..]);
    }

    private static string Join(string[] fields, string domain) => $"<{string.Join('.', fields)}@{domain}>";

    [Fact]
    public void A_created_id_has_the_documented_shape()
    {
        var id = NewId();
        var (fields, domain) = Split(id);

        Assert.StartsWith("<tm.261126-000042.", id);
        Assert.EndsWith("@support.acme.example>", id);
        Assert.Equal(4, fields.Length);
        Assert.Equal("tm", fields[0]);
        Assert.Equal(Reference, fields[1]);
        Assert.Matches("^[a-z2-7]{8}$", fields[2]);
        Assert.Matches("^[0-9a-f]{16}$", fields[3]);
        Assert.Equal("support.acme.example", domain);
    }

    [Fact]
    public void Every_created_id_is_different()
    {
        var ids = Enumerable.Range(0, 1_000).Select(_ => NewId()).ToHashSet();
        Assert.Equal(1_000, ids.Count);
    }

    [Fact]
    public void A_created_id_is_a_message_id_mimekit_keeps_as_it_is()
    {
        var id = NewId();
        var message = new MimeMessage { MessageId = id.Trim('<', '>') };
        Assert.Equal(id.Trim('<', '>'), message.MessageId);
        Assert.Equal(id, message.Headers[HeaderId.MessageId]);
    }

    [Fact]
    public void Round_trips_with_or_without_angle_brackets()
    {
        var id = NewId();

        Assert.True(TrackingToken.TryRead(AcmeKey, "acme", id, out var bracketed));
        Assert.Equal(Reference, bracketed);
        Assert.True(TrackingToken.TryRead(AcmeKey, "acme", id.Trim('<', '>'), out var bare));
        Assert.Equal(Reference, bare);
        Assert.True(TrackingToken.TryRead(AcmeKey, "acme", "  " + id + " (sent by Techmail)\r\n", out var padded));
        Assert.Equal(Reference, padded);
    }

    [Fact]
    public void Reads_an_id_a_relay_upper_cased()
    {
        Assert.True(TrackingToken.TryRead(AcmeKey, "acme", NewId().ToUpperInvariant(), out var reference));
        Assert.Equal(Reference, reference);
    }

    [Fact]
    public void The_domain_is_not_signed_so_a_rewritten_domain_still_reads()
    {
        var (fields, _) = Split(NewId());
        Assert.True(TrackingToken.TryRead(AcmeKey, "acme", Join(fields, "mail.acme.example"), out var reference));
        Assert.Equal(Reference, reference);
    }

    [Fact]
    public void A_tampered_reference_is_rejected()
    {
        var (fields, domain) = Split(NewId());
        fields[1] = "261126-000043";
        Assert.False(TrackingToken.TryRead(AcmeKey, "acme", Join(fields, domain), out var reference));
        Assert.Equal("", reference);
    }

    [Fact]
    public void A_tampered_random_part_is_rejected()
    {
        var (fields, domain) = Split(NewId());
        fields[2] = (fields[2][0] == 'a' ? 'b' : 'a') + fields[2][1..];
        Assert.False(TrackingToken.TryRead(AcmeKey, "acme", Join(fields, domain), out _));
    }

    [Fact]
    public void A_tampered_mac_is_rejected()
    {
        var (fields, domain) = Split(NewId());
        fields[3] = (fields[3][^1] == '0' ? fields[3][..^1] + "1" : fields[3][..^1] + "0");
        Assert.False(TrackingToken.TryRead(AcmeKey, "acme", Join(fields, domain), out _));
    }

    [Fact]
    public void Another_tenants_key_or_name_is_rejected()
    {
        var id = NewId();
        Assert.False(TrackingToken.TryRead(GlobexKey, "acme", id, out _));
        Assert.False(TrackingToken.TryRead(AcmeKey, "globex", id, out _));
        Assert.False(TrackingToken.TryRead(GlobexKey, "globex", id, out _));
        // Tenant names are compared exactly, as signed.
        Assert.False(TrackingToken.TryRead(AcmeKey, "ACME", id, out _));
    }

    [Fact]
    public void An_id_made_with_a_guessed_mac_is_rejected()
    {
        Assert.False(TrackingToken.TryRead(AcmeKey, "acme", "<tm.261126-000042.abcdefgh.0000000000000000@acme.example>", out _));
    }

    [Fact]
    public void Finds_the_reference_in_in_reply_to_first()
    {
        var ours = NewId();
        var older = TrackingToken.Create(AcmeKey, "acme", "261120-000007", "acme.example");

        var found = TrackingToken.FindInReplyHeaders(AcmeKey, "acme", ours.Trim('<', '>'), [older.Trim('<', '>')]);
        Assert.Equal(Reference, found);
    }

    [Fact]
    public void Finds_the_reference_in_references_when_in_reply_to_is_the_customers_own_id()
    {
        // The customer answered their own earlier mail, which had answered ours.
        var ours = NewId().Trim('<', '>');
        var found = TrackingToken.FindInReplyHeaders(
            AcmeKey,
            "acme",
            "CAF3xyz@mail.gmail.com",
            ["first-question@customer.example", ours, "CAF3xyz@mail.gmail.com"]);
        Assert.Equal(Reference, found);
    }

    [Fact]
    public void References_are_searched_newest_first()
    {
        var older = TrackingToken.Create(AcmeKey, "acme", "261120-000007", "acme.example");
        var newer = NewId();
        var found = TrackingToken.FindInReplyHeaders(AcmeKey, "acme", null, [older, "x@customer.example", newer, "y@customer.example"]);
        Assert.Equal(Reference, found);
    }

    [Fact]
    public void References_given_as_one_raw_header_value_are_searched_newest_first()
    {
        var older = TrackingToken.Create(AcmeKey, "acme", "261120-000007", "acme.example");
        var newer = NewId();
        var header = $"{older}\r\n {newer} <x@customer.example>";
        Assert.Equal(Reference, TrackingToken.FindInReplyHeaders(AcmeKey, "acme", "", [header]));
    }

    [Fact]
    public void Reads_the_reply_headers_of_a_parsed_reply()
    {
        var ours = NewId();
        var raw = $"""
            From: ann@customer.example
            To: support@acme.example
            Subject: Re: still broken
            Message-ID: <reply-2@customer.example>
            In-Reply-To: <reply-1@customer.example>
            References: <question@customer.example> {ours}
             <reply-1@customer.example>

            Still broken.

            """;
        var message = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(raw)));

        Assert.Equal(Reference, TrackingToken.FindInReplyHeaders(AcmeKey, "acme", message.InReplyTo, message.References));
    }

    [Fact]
    public void A_forged_id_in_in_reply_to_does_not_hide_a_real_one_in_references()
    {
        var forged = "<tm.261126-000099.abcdefgh.0123456789abcdef@acme.example>";
        var found = TrackingToken.FindInReplyHeaders(AcmeKey, "acme", forged, [NewId()]);
        Assert.Equal(Reference, found);
    }

    [Fact]
    public void Finds_nothing_when_no_header_carries_a_valid_id()
    {
        Assert.Null(TrackingToken.FindInReplyHeaders(AcmeKey, "acme", null, []));
        Assert.Null(TrackingToken.FindInReplyHeaders(AcmeKey, "acme", "a@b", ["c@d", "e@f"]));
        Assert.Null(TrackingToken.FindInReplyHeaders(AcmeKey, "acme", null, null));
        Assert.Null(TrackingToken.FindInReplyHeaders(GlobexKey, "globex", NewId(), [NewId()]));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<>")]
    [InlineData("<")]
    [InlineData(">")]
    [InlineData("<<<>>>")]
    [InlineData("@")]
    [InlineData("tm.")]
    [InlineData("tm...@")]
    [InlineData("<tm.261126-000042.abcdefgh.0123456789abcdef@>")]
    [InlineData("<tm.261126-000042.abcdefgh.0123456789abcdef>")]
    [InlineData("<tm.261126-000042.abcdefgh.0123456789abcdeg@acme.example>")]
    [InlineData("<tm.261126-000042.abcdefg1.0123456789abcdef@acme.example>")]
    [InlineData("<tm.261131-000042.abcdefgh.0123456789abcdef@acme.example>")]
    [InlineData("<tm.261126-000042.abcdefgh.0123456789abcdef.x@acme.example>")]
    [InlineData("<xx.261126-000042.abcdefgh.0123456789abcdef@acme.example>")]
    [InlineData("<tm.261126-000042..abcdefgh0123456789abcdef@acme.example>")]
    [InlineData("<tm.٢٦١١٢٦-000042.abcdefgh.0123456789abcdef@acme.example>")]
    [InlineData("\0\u0001\uFFFF\uD800")]
    public void Garbage_is_not_a_token_and_never_throws(string? value)
    {
        Assert.False(TrackingToken.TryRead(AcmeKey, "acme", value, out var reference));
        Assert.Equal("", reference);
        Assert.Null(TrackingToken.FindInReplyHeaders(AcmeKey, "acme", value, value is null ? [] : [value]));
    }

    [Fact]
    public void A_huge_references_header_is_handled()
    {
        var ids = Enumerable.Range(0, 50_000).Select(i => $"<{i}@customer.example>").Append(NewId());
        Assert.Equal(Reference, TrackingToken.FindInReplyHeaders(AcmeKey, "acme", null, [string.Join(' ', ids)]));
    }

    [Theory]
    [InlineData("261126-42")]
    [InlineData("261131-000042")]
    [InlineData(" 261126-000042")]
    [InlineData("261126-000042>")]
    public void Create_refuses_anything_but_a_reference(string reference)
    {
        Assert.Throws<ArgumentException>(() => TrackingToken.Create(AcmeKey, "acme", reference, "acme.example"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("acme example")]
    [InlineData("acme.example>")]
    [InlineData("a@acme.example")]
    [InlineData(".acme.example")]
    [InlineData("bücher.example")]
    public void Create_refuses_a_domain_that_would_break_the_message_id(string domain)
    {
        Assert.Throws<ArgumentException>(() => TrackingToken.Create(AcmeKey, "acme", Reference, domain));
    }

    [Fact]
    public void A_short_key_is_refused()
    {
        var shortKey = new byte[TrackingToken.MinimumKeyLength - 1];
        Assert.Throws<ArgumentException>(() => TrackingToken.Create(shortKey, "acme", Reference, "acme.example"));
        Assert.Throws<ArgumentException>(() => TrackingToken.TryRead(shortKey, "acme", NewId(), out _));
    }
}

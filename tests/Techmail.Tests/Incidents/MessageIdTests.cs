using static Techmail.Tests.Incidents.CustomerMail;

namespace Techmail.Tests.Incidents;

/// <summary>Message-ID, In-Reply-To and References, which threading and duplicate detection depend on.</summary>
public sealed class MessageIdTests
{
    [Fact]
    public void Message_id_is_kept_in_angle_brackets()
    {
        var message = Read("From: a@customer.test\nMessage-ID: <abc.123@mail.customer.test>\n\nbody\n");

        Assert.Equal("<abc.123@mail.customer.test>", message.MessageId);
        Assert.False(message.MessageIdIsSynthetic);
    }

    [Fact]
    public void Of_duplicated_message_ids_the_first_usable_one_wins()
    {
        var message = Read("""
            From: a@customer.test
            Message-ID: <>
            Message-ID: <first@customer.test>
            Message-ID: <second@gateway.test>

            body
            """);

        Assert.Equal("<first@customer.test>", message.MessageId);
    }

    [Fact]
    public void Missing_message_id_is_made_from_the_key_the_same_way_every_time()
    {
        var raw = Raw("From: a@customer.test\nSubject: no id\n\nbody\n");

        var first = Read(raw);
        var again = Read(raw);
        var otherKey = Read(raw, "fedcba9876543210fedcba9876543210");

        Assert.True(first.MessageIdIsSynthetic);
        Assert.Equal($"<{Key}@techmail.invalid>", first.MessageId);
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal("<fedcba9876543210fedcba9876543210@techmail.invalid>", otherKey.MessageId);
        Assert.Contains(first.Notes, n => n.Contains("Message-ID"));
    }

    [Fact]
    public void Unusable_message_id_is_replaced_too()
    {
        var message = Read("From: a@customer.test\nMessage-ID: this is not an id\n\nbody\n");

        Assert.True(message.MessageIdIsSynthetic);
        Assert.EndsWith("@techmail.invalid>", message.MessageId);
    }

    [Fact]
    public void In_reply_to_and_references_are_read_in_order()
    {
        var message = Read("""
            From: a@customer.test
            In-Reply-To: <reply@techmail.test> (comment)
            References: <root@customer.test>
             <reply@techmail.test>  <root@customer.test>

            body
            """);

        Assert.Equal("<reply@techmail.test>", message.InReplyTo);
        Assert.Equal(["<root@customer.test>", "<reply@techmail.test>"], message.References);
    }

    [Fact]
    public void Without_threading_headers_there_is_no_reply_and_no_references()
    {
        var message = Read("From: a@customer.test\n\nbody\n");

        Assert.Null(message.InReplyTo);
        Assert.Empty(message.References);
    }
}

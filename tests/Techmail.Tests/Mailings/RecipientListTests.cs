using System.Text;
using Techmail.Mailings;

namespace Techmail.Tests.Mailings;

public sealed class RecipientListTests
{
    [Fact]
    public void One_address_a_line_or_CSV_with_an_email_column_and_merge_fields()
    {
        var plain = RecipientList.Parse("ann@example.net\r\n\r\nBob@Example.NET\n");
        Assert.Empty(plain.Errors);
        Assert.Empty(plain.Fields);
        Assert.Equal(["ann@example.net", "Bob@example.net"], plain.Recipients.Select(r => r.Address));

        var csv = RecipientList.Parse("first,email,city\nAnn,ann@example.net,\"Paris, France\"\n\"Bob \"\"B\"\"\",bob@example.net,Oslo\n");
        Assert.Empty(csv.Errors);
        Assert.Equal(["first", "city"], csv.Fields);
        Assert.Equal(["Ann", "Paris, France"], csv.Recipients[0].Values);
        Assert.Equal(["Bob \"B\"", "Oslo"], csv.Recipients[1].Values);
    }

    [Fact]
    public void A_list_with_bad_lines_is_refused_whole_and_each_bad_line_is_named()
    {
        var parsed = RecipientList.Parse("email,first\nann@example.net,Ann\nnot-an-address,X\nbob@example.net\n\"Ann <ann@example.net>\",A\n");

        Assert.Equal(
            ["line 3: 'not-an-address' is not an email address.", "line 4: 1 column(s) where the header has 2.", "line 5: 'Ann <ann@example.net>' is not a plain address (put names in a column of their own)."],
            parsed.Errors);
        Assert.Equal(["the recipient list is empty."], RecipientList.Parse("\n\n").Errors);
        Assert.Equal(["the recipient list names no recipient."], RecipientList.Parse("email,first\n").Errors);

        var many = new StringBuilder();
        for (var i = 0; i < 30; i++) many.Append("bad").Append(i).Append('\n');
        var errors = RecipientList.Parse(many.ToString()).Errors;
        Assert.Equal(RecipientList.ErrorsShown + 1, errors.Count);
        Assert.Equal("... and 10 more bad line(s).", errors[^1]);
    }

    [Fact]
    public void Templates_are_checked_against_the_list_fields_and_merged_escaped_into_HTML()
    {
        var raw = Encoding.UTF8.GetBytes("Subject: Hi {first}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>{first} at {email}</p>\r\n");
        var (template, errors) = MailingTemplate.Parse(raw, ["first"]);
        Assert.Empty(errors);
        var recipient = new Techmail.Mailings.MailingRecipient("ann@example.net", ["<b>Ann</b>\r\nBcc: x"]);
        Assert.Equal("Hi <b>Ann</b> Bcc: x", template!.SubjectFor(recipient));
        Assert.Contains("<p>&lt;b&gt;Ann&lt;/b&gt;", template.HtmlFor(recipient));

        var (_, unknown) = MailingTemplate.Parse(raw, []);
        Assert.Contains(unknown, e => e.Message.Contains("uses {first}, which the recipient list does not have"));
        var (_, noSubject) = MailingTemplate.Parse(Encoding.ASCII.GetBytes("Content-Type: text/plain\r\n\r\nHello\r\n"), []);
        Assert.Contains(noSubject, e => e.Message == "has no Subject.");
    }
}

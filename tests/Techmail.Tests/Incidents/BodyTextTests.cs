using System.Text;
using static Techmail.Tests.Incidents.CustomerMail;

namespace Techmail.Tests.Incidents;

/// <summary>Which part becomes the incident's text, and how it is decoded.</summary>
public sealed class BodyTextTests
{
    [Fact]
    public void Plain_text_alternative_is_the_body()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: multipart/alternative; boundary="alt"

            --alt
            Content-Type: text/plain; charset=utf-8

            The printer on floor 3 is jammed.
            --alt
            Content-Type: text/html; charset=utf-8

            <p>The <b>printer</b> on floor 3 is jammed.</p>
            --alt--
            """);

        Assert.Equal("The printer on floor 3 is jammed.", message.TextBody);
        Assert.Empty(message.Attachments);
    }

    [Fact]
    public void Plain_text_beside_related_html_is_the_body_and_the_inline_image_is_kept()
    {
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3 };
        var message = Read($"""
            From: a@customer.test
            Content-Type: multipart/alternative; boundary="alt"

            --alt
            Content-Type: text/plain

            See the screenshot.
            --alt
            Content-Type: multipart/related; boundary="rel"

            --rel
            Content-Type: text/html

            <p>See the screenshot.</p><img src="cid:shot@customer.test">
            --rel
            Content-Type: image/png
            Content-ID: <shot@customer.test>
            Content-Transfer-Encoding: base64

            {Base64(png)}
            --rel--
            --alt--
            """);

        Assert.Equal("See the screenshot.", message.TextBody);
        var image = Assert.Single(message.Attachments);
        Assert.Equal("image-1.png", image.FileName);
        Assert.True(image.Inline);
        Assert.Equal("shot@customer.test", image.ContentId);
        Assert.Equal(png, image.Content);
    }

    [Fact]
    public void Html_only_body_becomes_readable_text()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: text/html; charset=utf-8

            <html><head><title>Ticket</title><style>p { color: red }</style></head>
            <body><script>alert('x')</script>
            <h1>Laptop&nbsp;broken</h1>
            <p>Hello,<br>my laptop   won&#39;t start &amp; beeps.</p>
            <ul><li>Model: X1</li><li>Since: Monday</li></ul>
            <p>Details: <a href="https://status.customer.test/42">status page</a></p>
            </body></html>
            """);

        Assert.Equal("""
            Laptop broken

            Hello,
            my laptop won't start & beeps.

            - Model: X1
            - Since: Monday

            Details: status page (https://status.customer.test/42)
            """.Replace("\r\n", "\n"), message.TextBody);
    }

    [Fact]
    public void Empty_text_plain_beside_html_gives_way_to_the_html()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: multipart/alternative; boundary="alt"

            --alt
            Content-Type: text/plain

            
            --alt
            Content-Type: text/html

            <div>Only here</div>
            --alt--
            """);

        Assert.Equal("Only here", message.TextBody);
    }

    [Fact]
    public void Empty_message_body_is_empty_text()
    {
        var noBody = Read("From: a@customer.test\nSubject: see subject\n\n");
        Assert.Equal("", noBody.TextBody);
        Assert.Empty(noBody.Attachments);

        var emptyMultipart = Read("From: a@customer.test\nContent-Type: multipart/mixed; boundary=b\n\n--b--\n");
        Assert.Equal("", emptyMultipart.TextBody);
    }

    [Fact]
    public void Text_sent_as_an_attachment_is_an_attachment_not_the_body()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: text/plain

            Log attached.
            --mix
            Content-Type: text/plain; name="app.log"
            Content-Disposition: attachment; filename="app.log"

            ERROR 42
            --mix--
            """);

        Assert.Equal("Log attached.", message.TextBody);
        var log = Assert.Single(message.Attachments);
        Assert.Equal("app.log", log.FileName);
        Assert.Equal("ERROR 42", Encoding.ASCII.GetString(log.Content).TrimEnd());
    }

    [Fact]
    public void Text_split_around_an_inline_image_is_joined()
    {
        var message = Read($"""
            From: a@customer.test
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: text/plain

            Before the picture.
            --mix
            Content-Type: image/jpeg; name="photo.jpg"
            Content-Disposition: inline; filename="photo.jpg"
            Content-Transfer-Encoding: base64

            {Base64([0xFF, 0xD8, 0xFF])}
            --mix
            Content-Type: text/plain

            After the picture.
            --mix--
            """);

        Assert.Equal("Before the picture.\n\nAfter the picture.", message.TextBody);
        Assert.Equal("photo.jpg", Assert.Single(message.Attachments).FileName);
    }

    [Fact]
    public void Unknown_charset_falls_back_to_utf8_then_windows_1252()
    {
        var latin1 = Read(Raw("From: a@customer.test\nContent-Type: text/plain; charset=x-unknown\n\nCafé crème\n"));
        Assert.Equal("Café crème", latin1.TextBody);
        Assert.Contains(latin1.Notes, n => n.Contains("x-unknown"));

        var utf8 = Read(RawUtf8("From: a@customer.test\nContent-Type: text/plain; charset=x-unknown\n\nCafé crème\n"));
        Assert.Equal("Café crème", utf8.TextBody);
    }

    [Fact]
    public void Mislabelled_charsets_are_read_as_what_the_bytes_are()
    {
        // UTF-8 bytes labelled Latin-1: valid multi-byte UTF-8 does not happen by chance in Latin-1 text.
        var utf8AsLatin1 = Read(RawUtf8("From: a@customer.test\nContent-Type: text/plain; charset=iso-8859-1\n\nGrüße\n"));
        Assert.Equal("Grüße", utf8AsLatin1.TextBody);

        // Windows-1252 bytes labelled UTF-8, including a curly quote (0x92) that Latin-1 has no letter for.
        var latin1AsUtf8 = Read(Raw("From: a@customer.test\nContent-Type: text/plain; charset=utf-8\n\nIt\u0092s grün\n"));
        Assert.Equal("It\u2019s grün", latin1AsUtf8.TextBody);
        Assert.Contains(latin1AsUtf8.Notes, n => n.Contains("not valid UTF-8"));
    }

    [Fact]
    public void Quoted_printable_windows_1252_is_decoded()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: text/plain; charset=windows-1252
            Content-Transfer-Encoding: quoted-printable

            Preis: 10 =80, Stra=DFe
            """);

        Assert.Equal("Preis: 10 €, Straße", message.TextBody);
    }

    [Fact]
    public void Format_flowed_paragraphs_are_unwrapped()
    {
        var message = Read("From: a@customer.test\nContent-Type: text/plain; format=flowed\n\nThis line was \nwrapped by the client.\n\nNew paragraph.\n");

        Assert.Equal("This line was wrapped by the client.\n\nNew paragraph.", message.TextBody);
    }

    [Fact]
    public void Format_flowed_signature_separator_stays_on_its_own_line()
    {
        var message = Read("From: a@customer.test\nContent-Type: text/plain; format=flowed\n\nPlease call me \nback.\n\n-- \nJane Doe\nACME Ltd\n");

        Assert.Equal("Please call me back.\n\n-- \nJane Doe\nACME Ltd", message.TextBody);
    }
}

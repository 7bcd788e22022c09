using System.Security.Cryptography;
using System.Text;
using static Techmail.Tests.Incidents.CustomerMail;

namespace Techmail.Tests.Incidents;

/// <summary>Files that come with a customer message: names, content, inline images, forwards and winmail.dat.</summary>
public sealed class AttachmentTests
{
    [Fact]
    public void Content_size_hash_and_type_are_of_the_decoded_bytes()
    {
        var pdf = Encoding.ASCII.GetBytes("%PDF-1.7 invoice");
        var message = Read($"""
            From: a@customer.test
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: text/plain

            Invoice attached.
            --mix
            Content-Type: Application/PDF; name="invoice.pdf"
            Content-Disposition: attachment; filename="invoice.pdf"
            Content-Transfer-Encoding: base64

            {Base64(pdf)}
            --mix--
            """);

        var invoice = Assert.Single(message.Attachments);
        Assert.Equal("invoice.pdf", invoice.FileName);
        Assert.Equal("application/pdf", invoice.ContentType);
        Assert.Equal(pdf, invoice.Content);
        Assert.Equal(pdf.Length, invoice.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pdf)), invoice.Sha256);
        Assert.False(invoice.Inline);
        Assert.Null(invoice.ContentId);
    }

    [Fact]
    public void Rfc2231_continued_file_name_is_decoded()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: application/pdf
            Content-Disposition: attachment;
             filename*0*=utf-8''Rechnung%20M%C3%A4rz;
             filename*1=" 2026";
             filename*2=".pdf"
            Content-Transfer-Encoding: base64

            QUJD
            """);

        Assert.Equal("Rechnung März 2026.pdf", Assert.Single(message.Attachments).FileName);
    }

    [Fact]
    public void Rfc2047_encoded_file_name_is_decoded()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: application/vnd.ms-excel; name="=?utf-8?B?w5xiZXJzaWNodC54bHM=?="
            Content-Disposition: attachment
            Content-Transfer-Encoding: base64

            QUJD
            """);

        Assert.Equal("Übersicht.xls", Assert.Single(message.Attachments).FileName);
    }

    [Fact]
    public void Attachments_without_names_are_named_from_their_type_and_place()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: text/plain

            Three files.
            --mix
            Content-Type: application/pdf
            Content-Transfer-Encoding: base64

            QUJD
            --mix
            Content-Type: image/png
            Content-Transfer-Encoding: base64

            QUJD
            --mix
            Content-Type: message/rfc822

            From: inner@customer.test

            inner
            --mix
            Content-Type: application/x-unheard-of
            Content-Transfer-Encoding: base64

            QUJD
            --mix--
            """);

        Assert.Equal(["attachment-1.pdf", "image-2.png", "message-3.eml", "attachment-4.bin"], message.Attachments.Select(a => a.FileName));
    }

    [Fact]
    public void Duplicate_file_names_are_numbered()
    {
        var part = "--mix\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"report.pdf\"\nContent-Transfer-Encoding: base64\n\nQUJD\n";
        var message = Read($"From: a@customer.test\nContent-Type: multipart/mixed; boundary=\"mix\"\n\n{part}{part}{part.Replace("report.pdf", "REPORT.pdf")}--mix--\n");

        Assert.Equal(["report.pdf", "report (2).pdf", "REPORT (3).pdf"], message.Attachments.Select(a => a.FileName));
    }

    [Fact]
    public void Paths_and_reserved_characters_are_taken_out_of_file_names()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: application/octet-stream
            Content-Disposition: attachment; filename="../../etc/passwd"

            x
            --mix
            Content-Type: application/octet-stream
            Content-Disposition: attachment; filename="C:\\fakepath\\what?.txt"

            x
            --mix--
            """);

        Assert.Equal(["passwd", "what.txt"], message.Attachments.Select(a => a.FileName));
    }

    [Fact]
    public void Inline_image_keeps_its_content_id()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: multipart/related; boundary="rel"

            --rel
            Content-Type: text/html

            <img src="cid:logo">Hello
            --rel
            Content-Type: image/gif; name="logo.gif"
            Content-Disposition: inline; filename="logo.gif"
            Content-ID: <logo>
            Content-Transfer-Encoding: base64

            R0lGODlhAQABAAAAACw=
            --rel--
            """);

        Assert.Equal("Hello", message.TextBody);
        var logo = Assert.Single(message.Attachments);
        Assert.Equal("logo.gif", logo.FileName);
        Assert.True(logo.Inline);
        Assert.Equal("logo", logo.ContentId);
        Assert.Equal("image/gif", logo.ContentType);
    }

    [Fact]
    public void Forwarded_message_becomes_an_eml_attachment_with_its_own_bytes()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: text/plain

            Forwarding the original.
            --mix
            Content-Type: message/rfc822

            From: original@vendor.test
            Subject: Your order
            Message-ID: <orig@vendor.test>

            Original body
            --mix--
            """);

        Assert.Equal("Forwarding the original.", message.TextBody);
        var forwarded = Assert.Single(message.Attachments);
        Assert.Equal("Your order.eml", forwarded.FileName);
        Assert.Equal("message/rfc822", forwarded.ContentType);
        var eml = Encoding.ASCII.GetString(forwarded.Content);
        Assert.StartsWith("From: original@vendor.test\r\nSubject: Your order\r\n", eml);
        Assert.Contains("\r\n\r\nOriginal body", eml);
    }

    [Fact]
    public void Broken_base64_keeps_the_bytes_that_decode()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: text/plain

            body
            --mix
            Content-Type: application/octet-stream; name="data.bin"
            Content-Transfer-Encoding: base64

            SGVsbG8sIHdv
            cmxkIQ==
            @@@ not base64 $$$
            QUJDREVG
            --mix--
            """);

        var data = Assert.Single(message.Attachments);
        Assert.Equal("Hello, world!", Encoding.ASCII.GetString(data.Content));
        Assert.Equal(13, data.Size);
        Assert.Contains(message.Notes, n => n.Contains("data.bin") && n.Contains("damaged"));
    }

    [Fact]
    public void Truncated_base64_keeps_the_whole_bytes_before_the_cut()
    {
        var message = Read("From: a@customer.test\nContent-Type: application/pdf; name=cut.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjcgaW52b2ljZQ\n");

        Assert.Equal("%PDF-1.7 invoice", Encoding.ASCII.GetString(Assert.Single(message.Attachments).Content));
        Assert.Contains(message.Notes, n => n.Contains("cut.pdf"));
    }

    [Fact]
    public void Tnef_attachments_are_unpacked_and_its_body_used_when_the_message_has_none()
    {
        var tnef = Tnef("Body written in Outlook", "report.txt", Encoding.ASCII.GetBytes("quarterly numbers"));
        var message = Read($"""
            From: a@customer.test
            Content-Type: application/ms-tnef; name="winmail.dat"
            Content-Disposition: attachment; filename="winmail.dat"
            Content-Transfer-Encoding: base64

            {Base64(tnef)}
            """);

        Assert.Equal("Body written in Outlook", message.TextBody);
        var report = Assert.Single(message.Attachments);
        Assert.Equal("report.txt", report.FileName);
        Assert.Equal("quarterly numbers", Encoding.ASCII.GetString(report.Content));
    }

    [Fact]
    public void Tnef_attachment_without_a_type_is_typed_from_its_file_name()
    {
        var tnef = Tnef("Plan attached", "floorplan.pdf", Encoding.ASCII.GetBytes("%PDF-1.4 plan"));
        var message = Read($"""
            From: a@customer.test
            Content-Type: application/ms-tnef; name="winmail.dat"
            Content-Transfer-Encoding: base64

            {Base64(tnef)}
            """);

        var plan = Assert.Single(message.Attachments);
        Assert.Equal("floorplan.pdf", plan.FileName);
        Assert.Equal("application/pdf", plan.ContentType);
    }

    [Fact]
    public void Delivery_report_parts_keep_their_types_and_bytes_and_are_not_named_eml()
    {
        var message = Read("""
            From: mailer-daemon@mx.test
            Content-Type: multipart/report; report-type=delivery-status; boundary="rep"

            --rep
            Content-Type: text/plain

            Not delivered.
            --rep
            Content-Type: message/delivery-status

            Final-Recipient: rfc822; gone@customer.test
            Action: failed
            Status: 5.1.1

            --rep
            Content-Type: text/rfc822-headers

            From: support@techmail.test
            Subject: Your request
            --rep--

            """);

        Assert.Collection(message.Attachments,
            status =>
            {
                Assert.Equal("attachment-1.txt", status.FileName);
                Assert.Equal("message/delivery-status", status.ContentType);
            },
            headers =>
            {
                Assert.Equal("attachment-2.txt", headers.FileName);
                Assert.Equal("text/rfc822-headers", headers.ContentType);
                Assert.Equal("From: support@techmail.test\r\nSubject: Your request\r\n", Encoding.ASCII.GetString(headers.Content));
            });
    }

    [Fact]
    public void Tnef_body_does_not_replace_the_message_body()
    {
        var tnef = Tnef("Body written in Outlook", "report.txt", Encoding.ASCII.GetBytes("numbers"));
        var message = Read($"""
            From: a@customer.test
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: text/plain

            The real body.
            --mix
            Content-Type: application/vnd.ms-tnef; name="winmail.dat"
            Content-Transfer-Encoding: base64

            {Base64(tnef)}
            --mix--
            """);

        Assert.Equal("The real body.", message.TextBody);
        Assert.Equal("report.txt", Assert.Single(message.Attachments).FileName);
    }

    [Fact]
    public void Tnef_that_cannot_be_unpacked_is_kept_as_winmail_dat()
    {
        var garbage = Encoding.ASCII.GetBytes("this is not TNEF at all");
        var message = Read($"""
            From: a@customer.test
            Content-Type: multipart/mixed; boundary="mix"

            --mix
            Content-Type: text/plain

            See attachment.
            --mix
            Content-Type: application/ms-tnef; name="winmail.dat"
            Content-Disposition: attachment; filename="winmail.dat"
            Content-Transfer-Encoding: base64

            {Base64(garbage)}
            --mix--
            """);

        Assert.Equal("See attachment.", message.TextBody);
        var winmail = Assert.Single(message.Attachments);
        Assert.Equal("winmail.dat", winmail.FileName);
        Assert.Equal(garbage, winmail.Content);
        Assert.Contains(message.Notes, n => n.Contains("winmail.dat"));
    }

    [Fact]
    public void Signature_of_a_signed_message_is_kept_as_an_attachment()
    {
        var message = Read("""
            From: a@customer.test
            Content-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary="sig"

            --sig
            Content-Type: text/plain

            Signed request.
            --sig
            Content-Type: application/pgp-signature; name="signature.asc"

            -----BEGIN PGP SIGNATURE-----
            -----END PGP SIGNATURE-----
            --sig--
            """);

        Assert.Equal("Signed request.", message.TextBody);
        var signature = Assert.Single(message.Attachments);
        Assert.Equal("signature.asc", signature.FileName);
        Assert.Equal("application/pgp-signature", signature.ContentType);
    }
}

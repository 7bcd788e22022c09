using System.Text;
using static Techmail.Tests.Incidents.CustomerMail;

namespace Techmail.Tests.Incidents;

/// <summary>
/// Charset labels are overridden only when plainly wrong: these are right labels, and short or capitalised text that a
/// detector could mistake, which must read as labelled.
/// </summary>
public sealed class CharsetRepairTests
{
    [Theory]
    [InlineData("=?iso-8859-1?Q?=D6l?=", "Öl")]
    [InlineData("=?iso-8859-1?Q?M=FC=DFig_=E4rgerlich?=", "Müßig ärgerlich")]
    [InlineData("=?windows-1252?Q?Caf=E9_=E0_Gen=E8ve?=", "Café à Genève")]
    public void Short_western_text_keeps_its_western_label(string subject, string expected)
    {
        var message = Read($"From: a@customer.test\nSubject: {subject}\nContent-Type: text/plain; charset=iso-8859-1\n\nHello.\n");

        Assert.Equal(expected, message.Subject);
    }

    [Fact]
    public void Cyrillic_written_in_capitals_keeps_its_label()
    {
        var cp1251 = Encoding.GetEncoding(1251);
        var subject = Convert.ToBase64String(cp1251.GetBytes("СРОЧНО: ОПЛАТА СЧЕТА ЗА ДЕКАБРЬ"));
        var body = cp1251.GetBytes("ПРОШУ СРОЧНО ОПЛАТИТЬ СЧЕТ.");
        var raw = Raw($"From: a@customer.test\nSubject: =?windows-1251?B?{subject}?=\nContent-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: base64\n\n{Base64(body)}\n");

        var message = Read(raw);

        Assert.Equal("СРОЧНО: ОПЛАТА СЧЕТА ЗА ДЕКАБРЬ", message.Subject);
        Assert.Equal("ПРОШУ СРОЧНО ОПЛАТИТЬ СЧЕТ.", message.TextBody);
    }

    [Fact]
    public void Valid_utf8_is_never_relabelled()
    {
        var body = Encoding.UTF8.GetBytes("Привет, 你好, こんにちは — all fine.");
        var message = Read(Raw($"From: a@customer.test\nSubject: s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{Base64(body)}\n"));

        Assert.Equal("Привет, 你好, こんにちは — all fine.", message.TextBody);
        Assert.DoesNotContain(message.Notes, n => n.Contains("charset", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_relabelled_body_says_so_in_the_notes()
    {
        var body = Encoding.GetEncoding("shift_jis").GetBytes("先週注文した商品がまだ届いておりません。配送状況を確認していただけますでしょうか。");
        var message = Read(Raw($"From: a@customer.test\nSubject: s\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\n{Base64(body)}\n"));

        Assert.StartsWith("先週注文した商品", message.TextBody);
        Assert.Contains(message.Notes, n => n.Contains("labelled iso-8859-1 is not in that charset", StringComparison.Ordinal));
    }
}

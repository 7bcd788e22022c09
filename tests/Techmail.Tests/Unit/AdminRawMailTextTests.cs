using System.Text;
using Techmail.Silo.WebConsole.Admin.Quarantine;

namespace Techmail.Tests.Unit;

public sealed class AdminRawMailTextTests
{
    [Fact]
    public void Lines_stay_lines_and_controls_and_direction_overrides_show_as_stand_ins()
    {
        var raw = Encoding.UTF8.GetBytes("Subject: a\u001b[2Jb\r\nFrom: x\u202Egnp.exe\r\n\r\nbody\u0007\ttab\r\n");

        var (text, omitted) = RawMailText.Show(raw);

        Assert.Equal("Subject: a␛[2Jb\nFrom: x�gnp.exe\n\nbody␇\ttab\n", text);
        Assert.Equal(0, omitted);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_show_as_replacement_characters_and_a_long_message_is_cut_saying_how_much()
    {
        var (text, omitted) = RawMailText.Show([0x41, 0xE9, 0x42, 0x43, 0x44], limit: 3);

        Assert.Equal("A�B", text);
        Assert.Equal(2, omitted);
    }
}

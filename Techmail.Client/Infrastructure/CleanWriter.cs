using System.Text;

namespace Techmail.Client.Infrastructure;

/// <summary>
/// Standard output or error with <see cref="TerminalText"/> applied to every character written through it, whatever
/// the command: a command cannot forget it. Bytes written to the raw stream (an attachment, a quarantined message
/// with <c>--raw</c>) do not pass here and stay exact.
/// </summary>
public sealed class CleanWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    public override void Write(char value) => inner.Write(TerminalText.IsUnsafe(value) ? TerminalText.Clean(value.ToString()) : value.ToString());

    public override void Write(string? value)
    {
        if (value is not null)
        {
            inner.Write(TerminalText.Clean(value));
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(buffer.ToString());

    public override void WriteLine(string? value) => inner.WriteLine(value is null ? null : TerminalText.Clean(value));

    public override void WriteLine(ReadOnlySpan<char> buffer) => WriteLine(buffer.ToString());

    public override void WriteLine() => inner.WriteLine();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync() => inner.FlushAsync();

    public override Task WriteAsync(string? value) => value is null ? Task.CompletedTask : inner.WriteAsync(TerminalText.Clean(value));

    public override Task WriteLineAsync(string? value) => inner.WriteLineAsync(value is null ? null : TerminalText.Clean(value));

    public override Task WriteAsync(char value) => WriteAsync(value.ToString());

    public override Task WriteLineAsync() => inner.WriteLineAsync();

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) => WriteAsync(buffer.ToString());

    public override Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default) => WriteLineAsync(buffer.ToString());
}

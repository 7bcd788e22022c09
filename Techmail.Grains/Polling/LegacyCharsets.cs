using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace Techmail.Polling;

/// <summary>Makes the legacy code pages (ISO-2022-JP, Shift_JIS, EUC-KR, windows-125x...) available to MimeKit and to every reader of mail in this assembly.</summary>
internal static class LegacyCharsets
{
    /// <summary>
    /// Runs when this assembly loads, before any of its code can hand mail to MimeKit. A static constructor is too
    /// late: MimeKit probes the CJK code pages once when it starts and remembers every charset it failed to find
    /// for the life of the process, so registering after the first parse leaves those charsets broken until restart.
    /// </summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "Must run before any code in this assembly reaches MimeKit; see above.")]
    internal static void Register() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
}

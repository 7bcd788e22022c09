using Spectre.Console;
using Spectre.Console.Rendering;

namespace Techmail.Client.Infrastructure;

/// <summary>
/// <see cref="TerminalText"/> for what Spectre.Console renders (tables, grids, markup): the text of each segment is
/// cleaned after layout, while the styles Spectre turns into its own colour codes are left alone. A replaced character
/// takes a cell where the raw one took none, so a row holding one may stand out by that much; it is hostile anyway.
/// </summary>
public sealed class CleanRenderHook : IRenderHook
{
    public IEnumerable<IRenderable> Process(RenderOptions options, IEnumerable<IRenderable> renderables) =>
        renderables.Select(r => (IRenderable)new Cleaned(r));

    private sealed class Cleaned(IRenderable inner) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) => inner.Render(options, maxWidth).Select(Clean);

        // Spectre's own control codes (cursor moves of a live display) are not text and pass as they are.
        private static Segment Clean(Segment segment)
        {
            if (segment.IsControlCode || segment.IsLineBreak)
            {
                return segment;
            }

            var text = TerminalText.Clean(segment.Text);
            return ReferenceEquals(text, segment.Text) ? segment : new Segment(text, segment.Style, segment.Link);
        }
    }
}

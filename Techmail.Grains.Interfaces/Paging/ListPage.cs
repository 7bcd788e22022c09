using System.Collections;

namespace Techmail.Paging;

/// <summary>
/// One page of a list and where the next one starts. It reads as the list of its rows, so a caller that wants only
/// the rows (the CLI's tables, most tests) uses it as it used the plain lists before paging.
/// </summary>
/// <param name="Next">Pass as the next call's position; null on the last page.</param>
[GenerateSerializer, Immutable, Alias("Techmail.ListPage`1")]
public sealed record ListPage<T>(
    [property: Id(0)] IReadOnlyList<T> Items,
    [property: Id(1)] ListPosition? Next) : IReadOnlyList<T>
{
    public int Count => Items.Count;

    public T this[int index] => Items[index];

    public IEnumerator<T> GetEnumerator() => Items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => Items.GetEnumerator();
}

using Techmail.Paging;

namespace Techmail.Storage;

/// <summary>
/// The end of every keyset-paged read: the query asked for one row more than the page holds, which says whether a
/// next page exists without counting the whole list; that row is dropped and the last row kept says where the next
/// page starts.
/// </summary>
public static class KeysetPage
{
    public static ListPage<T> Of<T>(List<T> rows, int take, Func<T, ListPosition> position)
    {
        if (rows.Count <= take)
        {
            return new ListPage<T>(rows, null);
        }

        rows.RemoveRange(take, rows.Count - take);
        return new ListPage<T>(rows, position(rows[^1]));
    }
}

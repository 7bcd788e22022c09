using System.Security.Cryptography;

namespace Techmail.Access;

/// <summary>
/// A silo's own calls from outside any grain (a hosted service waking a builder) reach grains with a client's source
/// id, like a call through the gateway. <see cref="EngineMarkFilter"/> marks them with the cluster's engine key, kept in
/// the database where every silo and no client reads it, and <see cref="AccessFilter"/> lets a marked call through.
/// </summary>
public sealed class EngineMark(TokenStore store)
{
    private readonly Lazy<Task<byte[]>> _key = new(store.EngineKey);

    public Task<byte[]> Key => _key.Value;

    public async Task<bool> Matches(object? mark)
    {
        var key = await Key;
        return mark is byte[] given && CryptographicOperations.FixedTimeEquals(given, key);
    }
}

/// <summary>
/// Marks the calls this silo makes outside any grain (see <see cref="EngineMark"/>): a hosted service's, and those a
/// grain's work makes from the thread pool (a poll's pipelined hand-off), which still carry the verified caller of the
/// call that started them; the mark is what lets the receiving silo believe that caller.
/// </summary>
public sealed class EngineMarkFilter(EngineMark mark) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        // Outside any grain the source is unknown here (null) and becomes the silo's hosted client on the way out.
        var outsideGrains = context.SourceId is not { } source || GrainTypePrefix.IsClient(source);
        if (!outsideGrains)
        {
            await context.Invoke();
            return;
        }

        RequestContext.Set(AccessContext.EngineKey, await mark.Key);
        try
        {
            await context.Invoke();
        }
        finally
        {
            // The request context is the hosted service's own async flow: the mark goes with this call only.
            RequestContext.Remove(AccessContext.EngineKey);
        }
    }
}

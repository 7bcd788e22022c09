namespace Techmail.Access;

/// <summary>How any client (the CLI, a test's, a benchmark's) sends its token: with every call, for the silo to verify.</summary>
public static class ClientTokenFilter
{
    /// <summary>
    /// Puts the token in each call's request context, unless the call already carries one (a test acting as another
    /// role). <paramref name="token"/> is asked at each call, so a token the silo writes after the client starts is
    /// found; null sends none, and the silo says what is missing.
    /// </summary>
    public static IClientBuilder CarryToken(this IClientBuilder client, Func<string?> token) =>
        client.AddOutgoingGrainCallFilter(call =>
        {
            if (RequestContext.Get(AccessContext.TokenKey) is null && token() is { } value)
            {
                RequestContext.Set(AccessContext.TokenKey, value);
            }

            return call.Invoke();
        });
}

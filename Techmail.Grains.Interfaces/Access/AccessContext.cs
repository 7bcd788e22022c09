namespace Techmail.Access;

/// <summary>The request-context keys a client and the silos use besides <see cref="Caller.ContextKey"/>.</summary>
public static class AccessContext
{
    /// <summary>Where a client puts its token; the silo's filter reads it, then removes it so it travels no further.</summary>
    public const string TokenKey = "techmail.token";

    /// <summary>
    /// Where a silo marks a call it makes itself from outside any grain (a hosted service waking a grain): such calls
    /// look like a client's, so the mark (the cluster's engine key) is what tells them apart; a client cannot know it.
    /// </summary>
    public const string EngineKey = "techmail.engine";

    /// <summary>
    /// Set (true) by a silo's HTTP host beside the <see cref="Caller"/> it verified for a request (a bearer token or a
    /// signed-in session): the call is then the engine's own (marked), so no token travels, but the filter still checks
    /// that caller's permission for the method and tenant, exactly as for a client's call. Removed at the filter, so
    /// the work the call starts is not checked again.
    /// </summary>
    public const string CheckCallerKey = "techmail.check-caller";
}

using Microsoft.Extensions.Logging;

namespace Techmail.Access;

/// <summary>
/// The one place calls from outside the cluster are authorized. For a call whose source is a client: whatever caller
/// the client put in the request context is dropped, its token is verified, the method's declared permission is checked
/// for the tenant the call is about, and only then is the verified <see cref="Caller"/> set and the call let through.
/// Calls between grains carry the caller of the call that started them and are not checked again.
/// </summary>
public sealed class AccessFilter(TokenVerifier verifier, EngineMark engine, ILogger<AccessFilter> log) : IIncomingGrainCallFilter
{
    public const string NoToken = "no token: pass --token, TECHMAIL_TOKEN or --token-file (the silo writes an operator token to DATA/operator-token)";

    private static readonly HashSet<string> ClientProtocol = new(StringComparer.Ordinal) { "Orleans.Runtime.IClusterManifestSystemTarget" };

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.SourceId is not { } source || !GrainTypePrefix.IsClient(source))
        {
            await context.Invoke();
            return;
        }

        // The client runtime's own protocol (it fetches the cluster's grain manifest as it connects and while it runs):
        // every client needs it before any identity can matter, and it holds type names, no tenant's data.
        if (context.InterfaceMethod?.DeclaringType?.FullName is { } name && ClientProtocol.Contains(name))
        {
            RequestContext.Remove(Caller.ContextKey);
            await context.Invoke();
            return;
        }

        var token = RequestContext.Get(AccessContext.TokenKey) as string;
        var mark = RequestContext.Get(AccessContext.EngineKey);
        var checkCaller = RequestContext.Get(AccessContext.CheckCallerKey) is true;
        var carried = Caller.Current;
        RequestContext.Remove(Caller.ContextKey);
        RequestContext.Remove(AccessContext.TokenKey);
        RequestContext.Remove(AccessContext.EngineKey);
        RequestContext.Remove(AccessContext.CheckCallerKey);
        if (mark is not null && await engine.Matches(mark) && checkCaller)
        {
            // A silo's HTTP host verified this caller (bearer token or session) and asks for the same check a client's
            // call gets: the permission the method declares, for the tenant it is about. No caller means no access.
            var verified = carried ?? throw Refuse($"{context.InterfaceName}.{context.MethodName}", "the HTTP request carries no verified caller");
            RequestContext.Set(Caller.ContextKey, Check(context, verified));
            await context.Invoke();
            return;
        }

        if (mark is not null && await engine.Matches(mark))
        {
            // The engine's own call: the caller it carries is the one a silo verified for the call that started this
            // work (only a silo can make the mark), so it stays for the audit log.
            if (carried is not null)
            {
                RequestContext.Set(Caller.ContextKey, carried);
            }

            await context.Invoke();
            return;
        }

        var caller = await Authorize(context, token);
        RequestContext.Set(Caller.ContextKey, caller);
        await context.Invoke();
    }

    private async Task<Caller> Authorize(IIncomingGrainCallContext context, string? token)
    {
        var method = $"{context.InterfaceName}.{context.MethodName}";
        if (string.IsNullOrWhiteSpace(token))
        {
            throw Refuse(method, NoToken);
        }

        var (caller, refusal) = await verifier.Verify(token.Trim());
        return caller is null ? throw Refuse(method, refusal!) : Check(context, caller);
    }

    /// <summary>The verified caller when the method's declared permission allows it for the call's tenant; else a refusal.</summary>
    private Caller Check(IIncomingGrainCallContext context, Caller caller)
    {
        var method = $"{context.InterfaceName}.{context.MethodName}";
        if (context.InterfaceMethod is not { } interfaceMethod || MethodAccess.Of(interfaceMethod).Permission is not { } permission)
        {
            // Deny by default: a Techmail method without a declaration is nobody's. Orleans' own interfaces (management
            // calls a client may make) declare nothing either; they are an operator's alone.
            var ours = context.InterfaceMethod?.DeclaringType?.Assembly == typeof(Caller).Assembly;
            return !ours && caller.Role == Role.Operator
                ? caller
                : throw Refuse(method, $"{AccessPolicy.Describe(caller)} may not call {method}: it declares no permission");
        }

        var access = MethodAccess.Of(interfaceMethod);
        object? Argument(int i) => context.Request.GetArgument(i);
        var tenant = access.Tenant(interfaceMethod.DeclaringType!, context.TargetId, Argument);
        return AccessPolicy.Refusal(caller, permission, tenant, access.RevealsSecrets(Argument)) is { } denied
            ? throw Refuse(method, denied)
            : caller;
    }

    private AccessDeniedException Refuse(string method, string reason)
    {
        log.LogInformation("Refused a client's call to {Method}: {Reason}", method, reason);
        return new AccessDeniedException(reason);
    }
}

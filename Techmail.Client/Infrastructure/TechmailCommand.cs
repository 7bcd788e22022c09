using Spectre.Console.Cli;
using Techmail.Mailboxes;
using Techmail.Rules;

namespace Techmail.Client.Infrastructure;

/// <summary>
/// Every command that talks to the silo: connects, runs, and turns any failure into one line on stderr
/// and a non-zero exit code.
/// </summary>
public abstract class TechmailCommand<TSettings> : AsyncCommand<TSettings>
    where TSettings : GlobalSettings
{
    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            Prepare(settings);
            var token = ClientToken.Resolve(settings);
            await using var connection = await ClusterConnection.Open(settings.EffectiveGateway, settings.EffectiveConnection, ClientTls.From(settings), token, cancellationToken);
            return await Run(connection.Client, settings, cancellationToken);
        }
        catch (CommandFailure failure)
        {
            Output.Error(failure.Message);
            return failure.ExitCode;
        }
        catch (Techmail.Access.AccessDeniedException denied)
        {
            Output.Error(denied.Message);
            return ExitCodes.Denied;
        }
        catch (Techmail.Access.TokenException refusal)
        {
            Output.Error(refusal.Message);
            return ExitCodes.Refused;
        }
        catch (MailboxException refusal)
        {
            Output.Error(refusal.Message);
            if (settings.Json)
            {
                Output.WriteJson(new { error = refusal.Message, kind = refusal.Kind, errors = refusal.Errors });
            }

            return ExitCodes.Refused;
        }
        catch (Techmail.Incidents.IncidentException refusal)
        {
            Output.Error(refusal.Message);
            return ExitCodes.Refused;
        }
        catch (Techmail.Certificates.CertificateException refusal)
        {
            Output.Error(refusal.Message);
            return ExitCodes.Refused;
        }
        catch (RulesException refusal)
        {
            if (refusal.Errors.Count == 0)
            {
                Output.Error(refusal.Message);
            }
            else
            {
                // Every problem on a line of its own: a rules file can have dozens, and each names where it is.
                Output.Error($"the rules were refused ({refusal.Errors.Count} problem{(refusal.Errors.Count == 1 ? "" : "s")}); nothing changed:");
                foreach (var error in refusal.Errors)
                {
                    Console.Error.WriteLine($"  {error}");
                }
            }

            if (settings.Json)
            {
                Output.WriteJson(new { error = refusal.Message, errors = refusal.Errors });
            }

            return ExitCodes.Refused;
        }
        catch (Exception e) when (e is TimeoutException or Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException)
        {
            Output.Error($"the silo at {settings.EffectiveGateway} stopped answering ({e.Message.Split('\n')[0]}).");
            return ExitCodes.Unreachable;
        }
    }

    /// <summary>Checks that need no silo, so a typo fails before any connection is made.</summary>
    protected virtual void Prepare(TSettings settings)
    {
    }

    protected abstract Task<int> Run(IClusterClient client, TSettings settings, CancellationToken cancellationToken);
}

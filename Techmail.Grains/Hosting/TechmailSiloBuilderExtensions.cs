using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Techmail.Access;
using Techmail.Audit;
using Techmail.Authentication;
using Techmail.Bounces;
using Techmail.Bounces.Ties;
using Techmail.Certificates;
using Techmail.Contacts;
using Techmail.Incidents;
using Techmail.Intake;
using Techmail.Mailboxes;
using Techmail.Outgoing;
using Techmail.Polling;
using Techmail.Quarantine;
using Techmail.Resources;
using Techmail.Retention;
using Techmail.Rules;
using Techmail.Security;
using Techmail.Security.KeyRing;
using Techmail.Storage;
using Techmail.Tenants;
using Techmail.Tls;
using Techmail.Webhooks;

namespace Techmail.Hosting;

public static class TechmailSiloBuilderExtensions
{
    /// <summary>
    /// Everything a Techmail silo needs: clustering, grain storage and reminders on the configured database,
    /// and the services grains are built from. The schema must already be applied (<see cref="SchemaInstaller"/>).
    /// </summary>
    public static ISiloBuilder AddTechmail(this ISiloBuilder silo, TechmailOptions options, bool configureClustering = true)
    {
        var database = options.Database();

        if (configureClustering)
        {
            if (options.Storage == StorageKind.Sqlite)
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            }
            else
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = database.AdoInvariant;
                    o.ConnectionString = database.ConnectionString;
                });
                silo.ConfigureEndpoints(options.AdvertisedAddress ?? IPAddress.Loopback, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
            }

            // The gateway is not a public door: it listens where GatewayAddress says (loopback by default), whatever
            // address the silo advertises to other silos.
            silo.Configure<EndpointOptions>(o => o.GatewayListeningEndpoint = new IPEndPoint(options.GatewayAddress, options.GatewayPort));
        }

        if (options.Tls is { } tls)
        {
            silo.UseTechmailTls(tls);
        }

        silo.AddAdoNetGrainStorage(StorageNames.Grains, o =>
        {
            o.Invariant = database.AdoInvariant;
            o.ConnectionString = database.ConnectionString;
            // A removed mailbox leaves no row behind; thousands of churned mailboxes would otherwise linger.
            o.DeleteStateOnClear = true;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = database.AdoInvariant;
            o.ConnectionString = database.ConnectionString;
        });

        silo.Services.AddTechmailServices(options, database);
        silo.Services.AddHostedService<PollStatisticsFlusher>();
        silo.Services.AddHostedService<IncidentBacklogSweeper>();
        silo.Services.AddHostedService<RetentionSweeper>();
        silo.Services.AddHostedService<SqliteCheckpointer>();
        // Every call from outside is authorized in one place (AccessFilter); see docs/decisions.md "Who may do what".
        silo.AddIncomingGrainCallFilter<AccessFilter>();
        silo.AddOutgoingGrainCallFilter<EngineMarkFilter>();
        silo.Services.AddSingleton<OperatorTokenFile>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<OperatorTokenFile>());
        silo.Services.AddSingleton<PushResumer>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<PushResumer>());
        silo.Services.AddSingleton<JournalReplayAtStart>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<JournalReplayAtStart>());
        silo.AddTechmailWebhookResume();
        return silo;
    }

    public static IServiceCollection AddTechmailServices(this IServiceCollection services, TechmailOptions options, TechmailDatabase database)
    {
        services.AddSingleton(options);
        services.AddSingleton(database);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IMailboxDirectoryStore, SqlMailboxDirectoryStore>();
        // The key ring is sealed with a key file that is not kept beside it (Security/KeyRing): the embedded profile keeps
        // the ring in DATA/keys, a cluster in the shared database so every silo unseals what any other sealed.
        services.AddSingleton<IKeyRingStore>(options.Storage == StorageKind.Sqlite
            ? new KeyRingDirectory(Path.Combine(options.FullDataDirectory, "keys"))
            : new DatabaseXmlRepository(database));
        services.AddSingleton(sp => KeyRingKeys.Load(options, sp.GetRequiredService<IKeyRingStore>()));
        services.AddSingleton<KeyRingSealer>();
        services.AddDataProtection().SetApplicationName("Techmail");
        services.AddOptions<KeyManagementOptions>().Configure<IKeyRingStore, KeyRingKeys>((o, store, keys) =>
        {
            o.XmlRepository = store;
            o.XmlEncryptor = new KeyFileXmlEncryptor(keys);
        });
        services.AddSingleton<ISecretProtector, DataProtectionSecretProtector>();
        services.AddSingleton<AuditStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<MailboxSecrets>();

        services.AddSingleton(options.Polling);
        services.AddSingleton<PollGate>();
        services.AddSingleton<AccountSessions>();
        services.AddSingleton<IAccountSessionLimit>(sp => sp.GetRequiredService<AccountSessions>());
        services.AddSingleton<ResiliencePipelines>();
        services.AddSingleton<OAuthTokenCache>();
        services.AddSingleton<Connections.TokenEndpoint>();
        services.AddSingleton<Connections.MailboxGrantStore>();
        services.AddSingleton<Connections.GrantRefresher>();
        services.AddSingleton<Connections.ConsentFlows>();
        services.AddSingleton<Connections.IGrantTokens, Connections.MailboxGrantTokens>();
        services.AddSingleton<MailLogin>();
        services.AddSingleton(options.ImapPool);
        services.AddSingleton<ImapConnectionPool>();
        services.AddSingleton<IKeptConnections>(sp => sp.GetRequiredService<ImapConnectionPool>());
        services.AddSingleton<MailFetcher>();
        services.AddSingleton<MailSender>();
        services.AddSingleton<ConnectionTester>();
        services.AddSingleton(options.Outbox);
        services.AddSingleton(options.Mailings with { PublicUrl = options.EffectivePublicUrl });
        services.AddSingleton<Mailings.MailingStore>();
        services.AddSingleton<Mailings.MailingAttribution>();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<SentMailLookup>();
        services.AddSingleton<BounceTying>();
        services.AddSingleton<AcceptedMailJournal>();
        services.AddSingleton<OutboxDrainer>();
        services.AddSingleton<SendQueue>();
        services.AddSingleton<RejectForwarding>();
        services.AddSingleton<MessageLedger>();
        services.AddSingleton<QuarantineStore>();
        services.AddSingleton<ReprocessOutcomes>();
        services.AddSingleton<InboundStore>();
        services.AddSingleton<IntakeBacklogReader>();
        services.AddSingleton<RecordedMailMemory>();
        services.AddSingleton(new MemoryBudget(options.MemoryBudgetBytes));
        services.AddSingleton(options.Retention);
        services.AddSingleton<RetentionStore>();
        services.AddSingleton<MessageExaminer>();
        services.AddSingleton<BatchRecorder>();
        services.AddSingleton<MailboxPoller>();
        services.AddSingleton<PollStatistics>();
        services.AddSingleton<PollStatisticsStore>();
        services.AddSingleton<SessionLimitsStore>();
        services.AddSingleton<SessionLimitsRecorder>();
        services.AddSingleton<PushMailboxStore>();
        services.AddSingleton<BounceClassifier>();
        services.AddSingleton(new BouncePolicy());
        services.AddSingleton<AddressStore>();
        services.AddSingleton<BounceStore>();
        services.AddSingleton(options.Incidents);
        services.AddSingleton<ContactStore>();
        services.AddSingleton<IncidentStore>();
        services.AddSingleton<IncidentListStore>();
        services.AddSingleton<IncidentReferenceStore>();
        services.AddSingleton(sp => new ReferenceBlockAllocator(options.Incidents.ReferenceBlockSize, sp.GetRequiredService<IncidentReferenceStore>().ReserveBlock));
        services.AddSingleton<TrackingKeys>();
        services.AddSingleton<ServiceMailProcessor>();
        services.AddSingleton<IncidentBatch>();
        services.AddSingleton<RuleStore>();
        services.AddSingleton<RuleSetCache>();

        // S/MIME: the tenant's certificates, read by intake and outgoing mail alike.
        services.AddSingleton<CertificateStore>();
        services.AddSingleton<TenantServerTrust>();

        services.AddSingleton<TokenStore>();
        services.AddSingleton<TokenVerifier>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<EngineMark>();
        services.AddTechmailWebhooks(options.Webhooks);
        return services;
    }
}

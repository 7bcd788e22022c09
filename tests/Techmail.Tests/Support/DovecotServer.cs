using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Techmail.Tests.Support;

/// <summary>
/// A real Dovecot of a test's own: POP3, POP3S, IMAP and IMAPS on loopback ports of its own, users in a
/// passwd-file and mail in Maildirs under a temporary directory, so tests exercise the real protocols.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static long s_deliveries;

    private readonly TempDirectory _base = new("techmail-dovecot");
    private readonly HashSet<string> _users = new(StringComparer.Ordinal);
    private readonly Lock _usersLock = new();
    private readonly (int Uid, int Gid) _mailOwner = MailOwner();
    private readonly bool _manyLogins;
    private int _maxUserIpConnections = 500;
    private readonly DovecotAuth _auth;
    private Process? _master;

    private DovecotServer(bool manyLogins, DovecotAuth? auth)
    {
        _manyLogins = manyLogins;
        _auth = auth ?? DovecotAuth.Default;
        MakeReachableByDovecotUsers(_base.Path);
        Directory.CreateDirectory(MailRoot);
        Directory.CreateDirectory(UsersDirectory);
        (Certificate, CertificatePem, var keyPem, CaCertificatePem) = CreateCertificate();
        CertificateSha256 = Certificate.GetCertHashString(HashAlgorithmName.SHA256);
        File.WriteAllText(_base.File("cert.pem"), CertificatePem);
        File.WriteAllText(_base.File("key.pem"), keyPem);
    }

    public int Pop3Port { get; private set; }

    public int Pop3sPort { get; private set; }

    public int ImapPort { get; private set; }

    public int ImapsPort { get; private set; }

    /// <summary>Where an SMTP server asks Dovecot to check its clients' logins (Postfix's dovecot SASL); set with <see cref="DovecotAuth.SaslService"/>.</summary>
    public int? SaslPort { get; private set; }

    /// <summary>The server's self-signed certificate (public part), for clients that trust exactly it.</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePem { get; }

    /// <summary>The private CA that issued the server's certificate, as a mail provider's own CA would.</summary>
    public string CaCertificatePem { get; }

    /// <summary>Uppercase hex SHA-256 of the certificate's DER, as <c>GetCertHashString(SHA256)</c> gives it.</summary>
    public string CertificateSha256 { get; }

    public string LogFile => _base.File("dovecot.log");

    public bool IsRunning => _master is { HasExited: false };

    private string ConfigFile => _base.File("dovecot.conf");

    private string ConsoleFile => _base.File("dovecot.console");

    // One passwd-file per user: Dovecot re-checks a shared file at most once a second, so a user added
    // just after another login could be refused for up to a second; a new file is read when first asked for.
    private string UsersDirectory => _base.File("users.d");

    private string MailRoot => _base.File("mail");

    private int[] Ports => SaslPort is { } sasl ? [Pop3Port, Pop3sPort, ImapPort, ImapsPort, sasl] : [Pop3Port, Pop3sPort, ImapPort, ImapsPort];

    /// <param name="manyLogins">
    /// Configure for hundreds of logins a second (the scale benchmark): login processes kept and reused instead of
    /// one per connection, more processes allowed, and log lines stamped to the microsecond.
    /// </param>
    /// <param name="auth">Login mechanisms and an optional OAuth introspection endpoint; the default is PLAIN and LOGIN only.</param>
    /// <param name="maxUserIpConnections">
    /// Dovecot's mail_max_userip_connections: sessions one user may have open from one address; one more is refused.
    /// The default lets load tests open many sessions at once from the one loopback address.
    /// </param>
    public static async Task<DovecotServer> Start(bool manyLogins = false, DovecotAuth? auth = null, int maxUserIpConnections = 500)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("DovecotServer needs Linux with Dovecot installed.");
        }

        var server = new DovecotServer(manyLogins, auth) { _maxUserIpConnections = maxUserIpConnections };
        try
        {
            // Free ports are only free when picked; another test may take one before Dovecot binds it.
            for (var attempt = 1; ; attempt++)
            {
                server.PickPorts();
                server.WriteConfig();
                var failure = await server.Launch();
                if (failure is null)
                {
                    return server;
                }

                if (!server.LastLaunchHitBusyPort() || attempt == 3)
                {
                    throw new InvalidOperationException(failure);
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server again after <see cref="Stop"/>, on the same ports and with the same mail.</summary>
    public async Task StartAgain()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("Dovecot is already running.");
        }

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            var failure = await Launch();
            if (failure is null)
            {
                return;
            }

            // A port can linger for a moment in a process that was closing; anything else is a real fault.
            if (!LastLaunchHitBusyPort() || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(failure);
            }

            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Takes Dovecot down abruptly, as a crash would, and returns once none of its ports
    /// accepts a connection. An orderly shutdown would take 1 to 6 s: the master waits up to 5 s for its children.
    /// </summary>
    public async Task Stop()
    {
        if (_master is null)
        {
            return;
        }

        if (!_master.HasExited)
        {
            // The whole tree: login processes hold the listening sockets too.
            _master.Kill(entireProcessTree: true);
        }

        await _master.WaitForExitAsync();
        _master.Dispose();
        _master = null;

        var deadline = DateTime.UtcNow + StopTimeout;
        while (await AcceptingPorts() > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("Dovecot stopped but its ports still accept connections.\n" + Diagnostics());
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Adds a login; Dovecot notices the changed passwd-file on the next login, even while running.</summary>
    public void AddUser(string user, string password)
    {
        // The passwd-file has no escaping, and the name is also a directory.
        if (string.IsNullOrEmpty(user) || user.IndexOfAny([':', '/', '\n', '\r', ' ', '\t', '%']) >= 0 || user is "." or "..")
        {
            throw new ArgumentException($"'{user}' cannot be a Dovecot user name here.", nameof(user));
        }

        if (password.IndexOfAny([':', '\n', '\r']) >= 0)
        {
            throw new ArgumentException("A passwd-file password cannot contain ':' or line breaks.", nameof(password));
        }

        lock (_usersLock)
        {
            if (!_users.Add(user))
            {
                throw new InvalidOperationException($"User '{user}' already exists.");
            }

            var home = UserDirectory(user);
            foreach (var dir in new[] { home, Path.Combine(home, "new"), Path.Combine(home, "cur"), Path.Combine(home, "tmp") })
            {
                Directory.CreateDirectory(dir);
                GiveToMailOwner(dir);
            }

            var entry = Path.Combine(UsersDirectory, user);
            File.WriteAllText(entry + ".tmp", $"{user}:{{PLAIN}}{password}:{_mailOwner.Uid}:{_mailOwner.Gid}::{home}::\n");
            File.Move(entry + ".tmp", entry, overwrite: true);
        }
    }

    /// <summary>Changes a user's password; Dovecot reads the new one at the next login.</summary>
    public void SetPassword(string user, string password)
    {
        lock (_usersLock)
        {
            if (!_users.Contains(user))
            {
                throw new InvalidOperationException($"User '{user}' was not added.");
            }

            var entry = Path.Combine(UsersDirectory, user);
            File.WriteAllText(entry + ".tmp", $"{user}:{{PLAIN}}{password}:{_mailOwner.Uid}:{_mailOwner.Gid}::{UserDirectory(user)}::\n");
            File.Move(entry + ".tmp", entry, overwrite: true);
        }
    }

    /// <summary>Successful logins of the user so far, POP3 and IMAP, as Dovecot's log records them.</summary>
    public int Logins(string user)
    {
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var log = new StreamReader(stream).ReadToEnd();
        var marker = "Login: user=<" + user + ">";
        var count = 0;
        for (var at = log.IndexOf(marker, StringComparison.Ordinal); at >= 0; at = log.IndexOf(marker, at + marker.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Drops a message into the user's Maildir the way a local delivery agent does; returns its file name.</summary>
    public string Deliver(string user, byte[] rawMessage)
    {
        var home = UserDirectory(user);
        lock (_usersLock)
        {
            if (!_users.Contains(user))
            {
                throw new InvalidOperationException($"User '{user}' was not added.");
            }
        }

        // Maildir's convention: unique per host, and never visible in new/ before it is complete.
        var name = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.M{Interlocked.Increment(ref s_deliveries)}P{Environment.ProcessId}.techmail-test";
        var temporary = Path.Combine(home, "tmp", name);
        File.WriteAllBytes(temporary, rawMessage);
        GiveToMailOwner(temporary);
        File.Move(temporary, Path.Combine(home, "new", name));
        return name;
    }

    /// <summary>Messages in the user's INBOX, read or not; POP3 deletions show once the session has ended.</summary>
    public int CountMessages(string user)
    {
        var home = UserDirectory(user);
        return Directory.EnumerateFiles(Path.Combine(home, "new")).Count() + Directory.EnumerateFiles(Path.Combine(home, "cur")).Count();
    }

    /// <summary>The bytes of every message still in the user's INBOX, read or not (for finding what a client left behind).</summary>
    public IEnumerable<byte[]> ReadMessages(string user)
    {
        var home = UserDirectory(user);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(home, "new")).Concat(Directory.EnumerateFiles(Path.Combine(home, "cur"))))
        {
            byte[] raw;
            try
            {
                raw = File.ReadAllBytes(file);
            }
            catch (FileNotFoundException)
            {
                // Expunged or moved to cur/ while listing; the move is found under its new name.
                continue;
            }

            yield return raw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Stop();
        }
        finally
        {
            Certificate.Dispose();
            _base.Dispose();
        }
    }

    private string UserDirectory(string user) => Path.Combine(MailRoot, user);

    private void PickPorts()
    {
        var ports = new HashSet<int>();
        var wanted = _auth.SaslService ? 5 : 4;
        while (ports.Count < wanted)
        {
            ports.Add(FreePort.Next());
        }

        var picked = ports.ToArray();
        (Pop3Port, Pop3sPort, ImapPort, ImapsPort) = (picked[0], picked[1], picked[2], picked[3]);
        SaslPort = _auth.SaslService ? picked[4] : null;
    }

    /// <summary>Starts the master and waits for every port; returns null when up, or why it is not.</summary>
    private async Task<string?> Launch()
    {
        File.WriteAllText(ConsoleFile, "");
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");

        // Dovecot's children inherit stdio: a pipe back to us or to the test runner would never reach end of file.
        info.ArgumentList.Add("exec dovecot -F -c \"$0\" </dev/null >>\"$1\" 2>&1");
        info.ArgumentList.Add(ConfigFile);
        info.ArgumentList.Add(ConsoleFile);
        info.Environment["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin:" + Environment.GetEnvironmentVariable("PATH");
        _master = Process.Start(info) ?? throw new InvalidOperationException("Could not start dovecot.");

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (await AcceptingPorts() == Ports.Length)
            {
                return null;
            }

            if (_master.HasExited)
            {
                var exitCode = _master.ExitCode;
                _master.Dispose();
                _master = null;
                return $"Dovecot exited with code {exitCode} before accepting connections.\n" + Diagnostics();
            }

            if (DateTime.UtcNow > deadline)
            {
                await Stop();
                return $"Dovecot did not accept connections on ports {string.Join(", ", Ports)} within {StartTimeout.TotalSeconds} s.\n" + Diagnostics();
            }

            await Task.Delay(50);
        }
    }

    private async Task<int> AcceptingPorts()
    {
        var results = await Task.WhenAll(Ports.Select(Accepts));
        return results.Count(accepting => accepting);
    }

    private static async Task<bool> Accepts(int port)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cts.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Dovecot reports a failed bind on its console, which unlike the log holds only the last launch.</summary>
    private bool LastLaunchHitBusyPort() => ReadIfExists(ConsoleFile).Contains("Address already in use", StringComparison.Ordinal);

    private string Diagnostics() =>
        $"--- {ConsoleFile} ---\n{ReadIfExists(ConsoleFile)}\n--- {LogFile} ---\n{ReadIfExists(LogFile)}";

    private static string ReadIfExists(string path) => File.Exists(path) ? File.ReadAllText(path) : "(none)";

    private void WriteConfig()
    {
        var b = _base.Path;
        var config = new StringBuilder()
            .AppendLine("protocols = pop3 imap")
            .AppendLine("listen = 127.0.0.1")
            // Inside the temp directory, so it never meets a system Dovecot's sockets, pid file or state.
            .AppendLine($"base_dir = {b}/run")
            .AppendLine($"state_dir = {b}/state")
            .AppendLine($"log_path = {LogFile}")
            .AppendLine("auth_verbose = yes")
            // No test reads statistics, and processes waiting on a stats service that died first log errors.
            .AppendLine("stats_writer_socket_path =")
            .AppendLine("ssl = yes")
            .AppendLine($"ssl_cert = <{b}/cert.pem")
            .AppendLine($"ssl_key = <{b}/key.pem")
            // Without ssl_dh a client offering DHE would fail the handshake; ECDHE (and TLS 1.3) need no parameters.
            .AppendLine("ssl_cipher_list = ECDHE+AESGCM:ECDHE+CHACHA20")
            .AppendLine("disable_plaintext_auth = no")
            .AppendLine($"auth_mechanisms = {_auth.Mechanisms}")
            // Dovecot 2.3 still answers a failed login only on its next 0.5 s failure tick.
            .AppendLine("auth_failure_delay = 0")
            // Dovecot also slows every failed login from an IP by up to 15 s (auth penalty, kept by anvil), and all
            // tests share 127.0.0.1; an auth process that cannot open the penalty socket applies none.
            .AppendLine("service anvil {")
            .AppendLine("  unix_listener anvil-auth-penalty {")
            .AppendLine("    mode = 0")
            .AppendLine("  }")
            .AppendLine("}")
            // The mail owner is nobody, whose uid varies between systems; only root must stay out.
            .AppendLine("first_valid_uid = 1")
            .AppendLine($"mail_location = maildir:{MailRoot}/%u")
            .AppendLine($"mail_max_userip_connections = {_maxUserIpConnections}")
            .AppendLine("pop3_uidl_format = %08Xu%08Xv")
            // IDLE (push mode) notices new mail through inotify; this is the fallback check when it cannot.
            .AppendLine("mailbox_idle_check_interval = 1 secs")
            .Append(OAuthPassdb())
            .AppendLine("passdb {")
            .AppendLine("  driver = passwd-file")
            .AppendLine($"  args = scheme=PLAIN username_format=%u {UsersDirectory}/%u")
            .AppendLine("}")
            .AppendLine("userdb {")
            .AppendLine("  driver = passwd-file")
            .AppendLine($"  args = username_format=%u {UsersDirectory}/%u")
            .AppendLine("}")
            .AppendLine("service pop3-login {")
            .Append(Listener("pop3", Pop3Port, ssl: false))
            .Append(Listener("pop3s", Pop3sPort, ssl: true))
            .AppendLine("}")
            .AppendLine("service imap-login {")
            .Append(Listener("imap", ImapPort, ssl: false))
            .Append(Listener("imaps", ImapsPort, ssl: true))
            .AppendLine("}");
        if (SaslPort is { } saslPort)
        {
            // Postfix's smtpd asks here (smtpd_sasl_type = dovecot): the same passdbs, so XOAUTH2 is introspected too.
            config.AppendLine("service auth {").Append(Listener("sasl", saslPort, ssl: false)).AppendLine("}");
        }

        if (_manyLogins)
        {
            config
                .AppendLine("log_timestamp = \"%Y-%m-%d %H:%M:%S.%{usecs} \"")
                .AppendLine("default_process_limit = 1000")
                .AppendLine("default_client_limit = 4000")
                .AppendLine("service pop3-login {")
                .AppendLine("  service_count = 0")
                .AppendLine("  process_min_avail = 2")
                .AppendLine("}")
                .AppendLine("service imap-login {")
                .AppendLine("  service_count = 0")
                .AppendLine("  process_min_avail = 2")
                .AppendLine("}")
                .AppendLine("service auth {")
                .AppendLine("  client_limit = 4000")
                .AppendLine("}");
        }

        File.WriteAllText(ConfigFile, config.ToString());
    }

    /// <summary>
    /// Tokens go to the introspection endpoint (RFC 7662, POSTed as a form); passwords to the passwd-file after it.
    /// The users still come from the passwd-file userdb, so an OAuth user is added like any other.
    /// </summary>
    private string OAuthPassdb()
    {
        if (_auth.IntrospectionUrl is not { } url)
        {
            return "";
        }

        File.WriteAllText(_base.File("oauth2.conf"), string.Join('\n',
            "introspection_mode = post",
            $"introspection_url = {url}",
            "force_introspection = yes",
            "username_attribute = username",
            "active_attribute = active",
            "active_value = true",
            ""));
        return $"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {_base.File("oauth2.conf")}\n}}\n";
    }

    private static string Listener(string name, int port, bool ssl) =>
        $"  inet_listener {name} {{\n    address = 127.0.0.1\n    port = {port}\n    ssl = {(ssl ? "yes" : "no")}\n  }}\n";

    private static (X509Certificate2 Certificate, string CertificatePem, string KeyPem, string CaPem) CreateCertificate()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Techmail test mail CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-2), now.AddDays(60));

        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        using var issued = request.Create(ca, now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(12));
        var publicOnly = X509CertificateLoader.LoadCertificate(issued.RawData);
        return (publicOnly, issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), ca.ExportCertificatePem());
    }

    /// <summary>Dovecot refuses mail access as root, so mail belongs to nobody, as it would to a real mail user.</summary>
    private static (int Uid, int Gid) MailOwner()
    {
        var entry = File.ReadLines("/etc/passwd").FirstOrDefault(line => line.StartsWith("nobody:", StringComparison.Ordinal));
        var fields = entry?.Split(':');
        return fields is { Length: > 3 } && int.TryParse(fields[2], out var uid) && int.TryParse(fields[3], out var gid)
            ? (uid, gid)
            : (65534, 65534);
    }

    private void GiveToMailOwner(string path)
    {
        if (chown(path, _mailOwner.Uid, _mailOwner.Gid) != 0)
        {
            throw new IOException($"chown {path} failed with errno {Marshal.GetLastPInvokeError()} (the tests must run as root).");
        }
    }

    /// <summary>Temp directories are private to root; Dovecot's unprivileged processes must reach the files inside.</summary>
    private static void MakeReachableByDovecotUsers(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(
                path,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);
}

/// <summary>How a test Dovecot lets users log in.</summary>
/// <param name="Mechanisms">Dovecot's <c>auth_mechanisms</c>, e.g. <c>plain login cram-md5 scram-sha-256 apop</c>.</param>
/// <param name="IntrospectionUrl">When set, an <c>oauth2</c> passdb checks XOAUTH2 and OAUTHBEARER tokens here.</param>
/// <param name="SaslService">Also serve Dovecot's authentication protocol on <see cref="DovecotServer.SaslPort"/>, for Postfix.</param>
public sealed record DovecotAuth(string Mechanisms, string? IntrospectionUrl = null, bool SaslService = false)
{
    public static DovecotAuth Default { get; } = new("plain login");
}

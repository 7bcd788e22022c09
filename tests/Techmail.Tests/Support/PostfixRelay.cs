using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Techmail.Tests.Support;

/// <summary>
/// A real Postfix on a loopback port of its own, as the submission server of a mail provider: it takes mail only from
/// clients that logged in (AUTH, checked by a test Dovecot's SASL service, so XOAUTH2 tokens are introspected at the
/// test authorization server) and relays what it takes to an <see cref="SmtpSink"/>. An instance of its own in a temp
/// directory (configuration, queue, log), started and stopped with <c>postfix -c</c>; needs root, as Postfix does.
/// </summary>
public sealed class PostfixRelay : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _base = new("techmail-postfix");

    private PostfixRelay(int port) => Port = port;

    public int Port { get; }

    public string LogFile => _base.File("postfix.log");

    /// <summary>The log's lines so far (a login reads "sasl_method=XOAUTH2, sasl_username=...").</summary>
    public string Log => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "";

    /// <param name="saslPort">The Dovecot SASL service (<see cref="DovecotServer.SaslPort"/>).</param>
    /// <param name="relayPort">Where accepted mail goes on (an <see cref="SmtpSink"/> on 127.0.0.1).</param>
    public static async Task<PostfixRelay> Start(int saslPort, int relayPort)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/sbin/postfix"))
        {
            throw new PlatformNotSupportedException("PostfixRelay needs Linux with Postfix installed.");
        }

        var relay = new PostfixRelay(FreePort.Next());
        try
        {
            relay.WriteConfig(saslPort, relayPort);
            await relay.Postfix("start");
            var deadline = DateTime.UtcNow + StartTimeout;
            while (!await Accepts(relay.Port))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"Postfix did not listen on {relay.Port} within {StartTimeout.TotalSeconds} s.\n{relay.Log}");
                }

                await Task.Delay(100);
            }

            return relay;
        }
        catch
        {
            await relay.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Stopping a master that never started fails; nothing is left running either way.
            await Postfix("abort");
        }
        catch (InvalidOperationException)
        {
        }

        _base.Dispose();
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private void WriteConfig(int saslPort, int relayPort)
    {
        var b = _base.Path;
        File.SetUnixFileMode(b, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(_base.File("queue"));
        Directory.CreateDirectory(_base.File("data"));
        // The master's lock file and the daemons' state are written as the postfix user.
        if (chown(_base.File("data"), PostfixId("-u"), PostfixId("-g")) != 0)
        {
            throw new InvalidOperationException($"chown of the Postfix data directory failed: errno {Marshal.GetLastPInvokeError()}");
        }

        File.WriteAllText(_base.File("main.cf"), string.Join('\n',
            "compatibility_level = 3.6",
            $"queue_directory = {_base.File("queue")}",
            $"data_directory = {_base.File("data")}",
            "command_directory = /usr/sbin",
            "daemon_directory = /usr/lib/postfix/sbin",
            "meta_directory = /etc/postfix",
            "shlib_directory = /usr/lib/postfix",
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "myhostname = relay.test",
            "mydomain = relay.test",
            "myorigin = relay.test",
            "mydestination =",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "mynetworks =",
            $"relayhost = [127.0.0.1]:{relayPort}",
            $"maillog_file = {LogFile}",
            $"maillog_file_prefixes = {Path.GetDirectoryName(b)}",
            // Only clients that logged in may send, and the login is Dovecot's to check.
            "smtpd_sasl_auth_enable = yes",
            "smtpd_sasl_type = dovecot",
            $"smtpd_sasl_path = inet:127.0.0.1:{saslPort}",
            "smtpd_relay_restrictions = permit_sasl_authenticated, reject",
            "smtpd_recipient_restrictions =",
            "smtpd_tls_security_level = none",
            "smtp_tls_security_level = none",
            "alias_maps =",
            "alias_database =",
            "local_recipient_maps =",
            "biff = no",
            // Mail for the sink goes at once; nothing here is worth a delay.
            "queue_run_delay = 1s",
            "minimal_backoff_time = 1s",
            ""));
        File.WriteAllText(_base.File("master.cf"), string.Join('\n',
            $"127.0.0.1:{Port} inet n - n - - smtpd",
            "pickup unix n - n 60 1 pickup",
            "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr",
            "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce",
            "defer unix - - n - 0 bounce",
            "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify",
            "flush unix n - n 1000? 0 flush",
            "proxymap unix - - n - - proxymap",
            "smtp unix - - n - - smtp",
            "relay unix - - n - - smtp",
            "showq unix n - n - - showq",
            "error unix - - n - - error",
            "retry unix - - n - - error",
            "discard unix - - n - - discard",
            "anvil unix - - n - 1 anvil",
            "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd",
            ""));
    }

    private async Task Postfix(string command)
    {
        var info = new ProcessStartInfo("/usr/sbin/postfix", ["-c", _base.Path, command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var output = await process.StandardError.ReadToEndAsync() + await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            // Postfix writes its fatal errors to its log (there is no syslog here).
            throw new InvalidOperationException($"postfix {command} failed ({process.ExitCode}): {output}\n{Log}");
        }
    }

    private static int PostfixId(string flag)
    {
        using var process = Process.Start(new ProcessStartInfo("id", [flag, "postfix"]) { RedirectStandardOutput = true })!;
        var id = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return int.Parse(id, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<bool> Accepts(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int chown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int owner, int group);
}

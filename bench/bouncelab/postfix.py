"""A private Postfix instance (`postfix -c DIR`): its own configuration, queue and data directories, its smtpd
services on loopback ports of our choosing, never the machine's own mail setup."""
import os
import pwd

from lab import LOOPBACK, run, wait_for_port

# Every service the queue manager, bounce daemon and delivery agents need; no chroot, so the private paths work.
MASTER_BASE = """pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    def __init__(self, lab, name, hostname):
        self.lab = lab
        self.name = name
        self.hostname = hostname
        self.etc = lab.directory(name, "etc")
        self.queue = lab.directory(name, "queue")
        self.data = lab.directory(name, "data")
        self.services = []  # (port, extra master.cf lines)
        self.extra_master = []
        self.maps = {}
        self.settings = {}

    def listen(self, overrides=()):
        """Adds an smtpd on a new loopback port with per-service `-o` overrides; returns the port."""
        port = self.lab.free_port()
        self.services.append((port, list(overrides)))
        return port

    def map_file(self, name, lines):
        path = os.path.join(self.etc, name)
        with open(path, "w") as f:
            f.write("".join(f"{line}\n" for line in lines))
        return f"texthash:{path}"

    def start(self):
        main = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue,
            "data_directory": self.data,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": self.hostname,
            "mydomain": self.hostname.split(".", 1)[1],
            "myorigin": "$mydomain",
            "mydestination": "",
            "inet_interfaces": LOOPBACK,
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "biff": "no",
            "smtputf8_enable": "no",
            "append_dot_mydomain": "no",
            # There is no syslog here; the log goes through postlogd to a file in the lab.
            "maillog_file": os.path.join(self.lab.root, self.name, "postfix.log"),
            "maillog_file_prefixes": self.lab.root,
            # Short lives, so giving up on temporary failures (greylisting, timeouts) takes seconds, not days.
            "maximal_queue_lifetime": "25s",
            "bounce_queue_lifetime": "25s",
            "queue_run_delay": "3s",
            "minimal_backoff_time": "3s",
            "maximal_backoff_time": "6s",
            "smtp_connect_timeout": "5s",
            "smtp_helo_timeout": "6s",
            "lmtp_connect_timeout": "5s",
        }
        main.update(self.settings)
        self.lab.write(f"{self.name}/etc/main.cf", "".join(f"{k} = {v}\n" for k, v in main.items()))
        master = MASTER_BASE
        for port, overrides in self.services:
            master += f"{LOOPBACK}:{port} inet n - n - - smtpd\n"
            master += "".join(f"  -o {o}\n" for o in overrides)
        master += "".join(self.extra_master)
        self.lab.write(f"{self.name}/etc/master.cf", master)
        owner = pwd.getpwnam("postfix")
        os.chown(self.data, owner.pw_uid, owner.pw_gid)
        run(["/usr/sbin/postfix", "-c", self.etc, "check"], check=False)
        run(["/usr/sbin/postfix", "-c", self.etc, "start"])
        self.lab.on_close(lambda: run(["/usr/sbin/postfix", "-c", self.etc, "stop"], check=False))
        for port, _ in self.services:
            wait_for_port(port, what=f"postfix {self.name}")

    def flush(self):
        run(["/usr/sbin/postqueue", "-c", self.etc, "-f"], check=False)

    def queue_empty(self):
        out = run(["/usr/sbin/postqueue", "-c", self.etc, "-p"], check=False).stdout
        return "Mail queue is empty" in out

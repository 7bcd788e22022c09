"""A private Exim (`exim -C FILE`) from Debian's exim4-daemon-light package, unpacked beside the lab rather than
installed (it would replace Postfix as the machine's MTA). Exim insists its compiled-in user exists; nss_wrapper
shows it a private passwd file with that user instead of adding one to the machine."""
import os

from lab import LOOPBACK, run, wait_for_port, stop_pid_file

NSS_WRAPPER = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so"


class Exim:
    def __init__(self, lab, name, hostname, binary):
        self.lab = lab
        self.name = name
        self.hostname = hostname
        self.binary = binary
        self.base = lab.directory(name)
        self.spool = lab.directory(name, "spool")
        self.logs = lab.directory(name, "log")
        self.ports = []
        self.main_extra = ""  # further main options, written by the caller
        self.body = ""  # acl, routers, transports and retry sections, written by the caller

    def listen(self):
        port = self.lab.free_port()
        self.ports.append(port)
        return port

    def file(self, name, lines):
        path = os.path.join(self.base, name)
        with open(path, "w") as f:
            f.write("".join(f"{line}\n" for line in lines))
        return path

    @property
    def config(self):
        return os.path.join(self.base, "exim.conf")

    def env(self):
        passwd = os.path.join(self.base, "passwd")
        group = os.path.join(self.base, "group")
        with open("/etc/passwd") as f, open(passwd, "w") as out:
            out.write(f.read() + f"Debian-exim:x:8:8:Exim:{self.base}:/usr/sbin/nologin\n")
        with open("/etc/group") as f, open(group, "w") as out:
            out.write(f.read() + "Debian-exim:x:8:\n")
        return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LD_PRELOAD": NSS_WRAPPER,
                "NSS_WRAPPER_PASSWD": passwd, "NSS_WRAPPER_GROUP": group}

    def start(self, queue_interval="2s"):
        main = f"""exim_path = {self.binary}
keep_environment = LD_PRELOAD : NSS_WRAPPER_PASSWD : NSS_WRAPPER_GROUP
spool_directory = {self.spool}
log_file_path = {self.logs}/%slog
pid_file_path = {self.base}/exim.pid
primary_hostname = {self.hostname}
qualify_domain = {self.hostname.split(".", 1)[1]}
local_interfaces = {LOOPBACK}
daemon_smtp_ports = {" : ".join(str(p) for p in self.ports)}
exim_user = mail
exim_group = mail
never_users =
trusted_users = root
host_lookup =
rfc1413_hosts =
# Frozen bounces would hide a lab mistake; give up on them quickly instead.
timeout_frozen_after = 1m
"""
        self.lab.write(f"{self.name}/exim.conf", main + self.main_extra + self.body)
        # The mail user owns the spool after privileges drop.
        run(["chown", "-R", "mail:mail", self.spool, self.logs])
        run([self.binary, "-C", self.config, "-bV"], env=self.env())
        self.lab.spawn([self.binary, "-C", self.config, "-bdf", f"-q{queue_interval}"], env=self.env(),
                       log_name=f"{self.name}/console.log")
        self.lab.on_close(lambda: stop_pid_file(os.path.join(self.base, "exim.pid")))
        for port in self.ports:
            wait_for_port(port, what=f"exim {self.name}")

    def flush(self):
        run([self.binary, "-C", self.config, "-qff"], env=self.env(), check=False)

    def queue_empty(self):
        out = run([self.binary, "-C", self.config, "-bpc"], env=self.env(), check=False).stdout.strip()
        return out == "0"

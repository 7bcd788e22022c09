"""A private Dovecot that only speaks LMTP: the mailboxes the bounces come back to, and the final store behind
the receiving MTAs (unknown users, a full mailbox under quota, a Sieve vacation)."""
import os
import pwd
import glob

from lab import LOOPBACK, run, wait_for_port

VACATION_SCRIPT = """require ["vacation"];
vacation :days 1 :subject "Away from the office"
  "I am away until next week and read no mail until then. Urgent questions go to the front desk.";
"""

# Pigeonhole's report extension (RFC 9476's vnd.dovecot form) sends an RFC 5965 feedback report: a user who
# marks mail as abuse, the way a provider's feedback loop tells the sender (here: the envelope sender).
REPORT_SCRIPT = """require ["vnd.dovecot.report", "envelope", "variables"];
if envelope :matches "from" "*" {
  report "abuse" "This message is unsolicited bulk mail." "${1}";
}
"""


class Dovecot:
    """One Dovecot instance. `tempfail` picks how a full mailbox is answered: 552 5.2.2 (permanent) or 452 4.2.2."""

    def __init__(self, lab, name, mail_root, users, full_users, vacation_users, submission_port, tempfail, reporters=()):
        self.lab = lab
        self.name = name
        self.port = lab.free_port()
        self.mail_root = mail_root
        self.users = users
        self.full_users = full_users
        self.vacation_users = vacation_users
        self.reporters = set(reporters)
        self.submission_port = submission_port
        self.tempfail = tempfail
        self.base = lab.directory(name)
        owner = pwd.getpwnam("nobody")
        self.uid, self.gid = owner.pw_uid, owner.pw_gid

    def start(self):
        self._write_users()
        config = f"""protocols = lmtp
listen = {LOOPBACK}
base_dir = {self.base}/run
state_dir = {self.base}/state
log_path = {self.base}/dovecot.log
stats_writer_socket_path =
ssl = no
first_valid_uid = 1
hostname = mx.rcpt.test
postmaster_address = postmaster@rcpt.test
# One mailbox per local part, whatever the domain: every lab domain ends in this one store.
auth_username_format = %Ln
mail_location = maildir:{self.mail_root}/%n
lmtp_save_to_detail_mailbox = no
quota_full_tempfail = {"yes" if self.tempfail else "no"}
submission_host = {LOOPBACK}:{self.submission_port}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {self.base}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {self.base}/users
}}
protocol lmtp {{
  mail_plugins = $mail_plugins quota sieve
}}
plugin {{
  quota = maildir:User quota
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_vacation_min_period = 0
  sieve_extensions = +vnd.dovecot.report
}}
service lmtp {{
  inet_listener lmtp {{
    address = {LOOPBACK}
    port = {self.port}
  }}
}}
"""
        path = self.lab.write(f"{self.name}/dovecot.conf", config)
        self.lab.spawn(["/usr/sbin/dovecot", "-F", "-c", path], log_name=f"{self.name}/console.log")
        wait_for_port(self.port, what=f"dovecot {self.name}")

    def _write_users(self):
        lines = []
        for user in sorted(self.users):
            home = os.path.join(self.mail_root, user)
            os.makedirs(home, exist_ok=True)
            os.chown(home, self.uid, self.gid)
            extra = "userdb_quota_rule=*:storage=1K" if user in self.full_users else "userdb_quota_rule=*:storage=0"
            lines.append(f"{user}:{{PLAIN}}secret:{self.uid}:{self.gid}::{home}::{extra}")
            text = VACATION_SCRIPT if user in self.vacation_users else None
            if user in self.reporters:
                text = REPORT_SCRIPT
            if text:
                script = os.path.join(home, ".dovecot.sieve")
                with open(script, "w") as f:
                    f.write(text)
                os.chown(script, self.uid, self.gid)
        self.lab.write(f"{self.name}/users", "\n".join(lines) + "\n")


def mailbox_files(mail_root, user):
    """The raw messages delivered to a user's inbox, oldest first."""
    files = glob.glob(os.path.join(mail_root, user, "new", "*")) + glob.glob(os.path.join(mail_root, user, "cur", "*"))
    return sorted(files, key=os.path.getmtime)


def check():
    run(["/usr/sbin/dovecot", "--version"])

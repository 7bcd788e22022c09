"""Wires the lab: two Dovecot stores, a sending Postfix and a sending Exim, a receiving Postfix and receiving Exims
with one port per policy, and the misbehaving servers. Routes go by recipient domain (see situations.py)."""
import os

from behaviours import HeldConnection, SilentServer
from dovecot import Dovecot
from exim import Exim
from lab import LOOPBACK, run
from postfix import Postfix
from situations import VALID_USERS

POLICIES = ["check", "pass", "size", "block", "grey", "tls", "spam", "busy", "sender", "disk"]


class Topology:
    def __init__(self, lab, exim_binary, cases):
        self.lab = lab
        self.exim_binary = exim_binary
        self.cases = cases
        self.mail_root = lab.directory("mail")
        self.cert, self.key = self._certificate()

        self.ps = Postfix(lab, "ps", "mta-pf.sender.test")
        self.ps_port = self.ps.listen(["smtpd_relay_restrictions=permit_mynetworks,reject"])
        self.es = Exim(lab, "es", "mta-ex.sender.test", exim_binary)
        self.es_port = self.es.listen()

        senders = [c.envelope_sender.split("@")[0] for c in cases]
        users = VALID_USERS + senders
        self.dovecot_a = Dovecot(lab, "dovecot-a", self.mail_root, users, {"full"}, {"away"}, self.ps_port, tempfail=False,
                                 reporters={"reporter"})
        self.dovecot_b = Dovecot(lab, "dovecot-b", self.mail_root, users, {"full"}, {"away"}, self.es_port, tempfail=True,
                                 reporters={"reporter"})

        self.silent = SilentServer(lab)
        self.closed_port = lab.free_port()  # handed out, never listened on

        self.pr = Postfix(lab, "pr", "mx-pf.rcpt.test")
        self.pr_ports = {}
        self.er = Exim(lab, "er", "mx-ex.rcpt.test", exim_binary)
        self.er_ports = {}
        self.er_size = Exim(lab, "er-size", "mx-ex.rcpt.test", exim_binary)
        self.er_busy = Exim(lab, "er-busy", "mx-ex.rcpt.test", exim_binary)
        self.er_disk = Exim(lab, "er-disk", "mx-ex.rcpt.test", exim_binary)

    def _certificate(self):
        cert, key = self.lab.path("cert.pem"), self.lab.path("key.pem")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mx.rcpt.test",
             "-keyout", key, "-out", cert])
        os.chmod(key, 0o644)  # read by the MTAs after they drop privileges; a throwaway key for loopback only
        return cert, key

    # ---- receiving Postfix: one smtpd per policy ----
    def _configure_pr(self):
        pr = self.pr
        domains = [f"pf{p}.test" for p in POLICIES] + ["pfnotls.test"]
        header_checks = os.path.join(pr.etc, "spam_checks")
        with open(header_checks, "w") as f:
            f.write("/^Subject:.*SPAM-TEST/ REJECT 5.7.1 Message content rejected as spam\n")
        pr.settings.update({
            "virtual_mailbox_domains": " ".join(domains),
            "virtual_mailbox_maps": pr.map_file("mailboxes", [f"{u}@{d} ok" for d in domains for u in VALID_USERS]),
            "virtual_transport": f"lmtp:inet:{LOOPBACK}:{self.dovecot_a.port}",
            "transport_maps": pr.map_file("transport", [f"sender.test lmtp:inet:{LOOPBACK}:{self.dovecot_a.port}"]),
            # A user who left, with the address to write to instead (answered 550 5.1.6 at RCPT).
            "relocated_maps": pr.map_file("relocated", ["oldname@pfcheck.test carol@pfcheck.test"]),
            "smtpd_relay_restrictions": "reject_unauth_destination",
            # Loopback is in mynetworks, and by default exempt from connection limits; here it must not be.
            "smtpd_client_event_limit_exceptions": "",
            "smtpd_tls_security_level": "may",
            "smtpd_tls_cert_file": self.cert,
            "smtpd_tls_key_file": self.key,
        })
        overrides = {
            "check": [],
            "pass": ["smtpd_reject_unlisted_recipient=no"],
            "size": ["message_size_limit=20000"],
            "block": [f"smtpd_client_restrictions=check_client_access,{pr.map_file('blocked_clients', ['127.0.0.1 REJECT'])}"],
            "grey": [f"smtpd_recipient_restrictions=check_recipient_access,{pr.map_file('greylist', ['pfgrey.test DEFER_IF_PERMIT Greylisted, please try again later'])}"],
            "tls": ["smtpd_tls_security_level=encrypt"],
            "spam": ["cleanup_service_name=cleanupspam"],
            "busy": ["smtpd_client_connection_count_limit=1"],
            "sender": [f"smtpd_sender_restrictions=check_sender_access,{pr.map_file('blocked_senders', ['sender.test REJECT'])}"],
            "notls": ["smtpd_tls_security_level=none"],
            # More free queue space demanded than any disk has: the server's storage counts as full.
            "disk": ["queue_minfree=9000000000000000"],
        }
        for policy, o in overrides.items():
            self.pr_ports[policy] = pr.listen(o)
        pr.extra_master.append(f"cleanupspam unix n - n - 0 cleanup\n  -o header_checks=regexp:{header_checks}\n")

    # ---- receiving Exims: one ACL that reads the port it was reached on ----
    def _configure_er(self):
        for policy in ["check", "pass", "block", "grey", "tls", "spam", "sender"]:
            self.er_ports[policy] = self.er.listen()
        self.er_ports["size"] = self.er_size.listen()
        self.er_ports["busy"] = self.er_busy.listen()
        self.er_ports["disk"] = self.er_disk.listen()
        p = self.er_ports
        local_domains = " : ".join([f"ex{x}.test" for x in POLICIES] + ["extemp.test"])
        main = f"""domainlist local_domains = {local_domains}
acl_smtp_mail = acl_mail
acl_smtp_rcpt = acl_rcpt
acl_smtp_data = acl_data
tls_advertise_hosts = *
tls_certificate = {self.cert}
tls_privatekey = {self.key}
"""
        body = f"""
begin acl

acl_mail:
  deny    condition = ${{if eq{{$received_port}}{{{p['tls']}}}}}
          !encrypted = *
          message = 530 5.7.0 Encryption required for mail to this server
  accept

acl_rcpt:
  deny    condition = ${{if eq{{$received_port}}{{{p['block']}}}}}
          message = 554 5.7.1 Host $sender_host_address is not allowed to send mail here
  deny    condition = ${{if eq{{$received_port}}{{{p['sender']}}}}}
          senders = *@sender.test
          message = 550 5.7.1 Mail from $sender_address is refused here
  require message = relay not permitted
          domains = +local_domains
  defer   condition = ${{if eq{{$received_port}}{{{p['grey']}}}}}
          message = 451 4.7.1 Greylisted, please try again later
  accept  condition = ${{if eq{{$received_port}}{{{p['check']}}}{{no}}{{yes}}}}
  require verify = recipient
  accept

acl_data:
  deny    condition = ${{if eq{{$received_port}}{{{p['spam']}}}}}
          condition = ${{if match{{$h_subject:}}{{SPAM-TEST}}}}
          message = 550 5.7.1 Message rejected as spam by content filter
  accept

begin routers

moved:
  driver = redirect
  domains = +local_domains
  local_parts = oldname
  data = :fail: 5.1.6 oldname has moved; please write to carol@$domain instead
  allow_fail

to_sender:
  driver = manualroute
  domains = sender.test
  route_list = * {LOOPBACK}
  transport = lmtp_a
  self = send

known_user:
  driver = manualroute
  verify_only
  domains = +local_domains
  local_parts = {" : ".join(VALID_USERS)}
  route_list = * {LOOPBACK}
  transport = lmtp_a
  self = send

store:
  driver = manualroute
  no_verify
  domains = +local_domains
  route_list = * {LOOPBACK}
  transport = ${{if eq{{$domain}}{{extemp.test}}{{lmtp_b}}{{lmtp_a}}}}
  self = send

begin transports

lmtp_a:
  driver = smtp
  protocol = lmtp
  port = {self.dovecot_a.port}
  hosts_avoid_tls = *
  connection_max_messages = 1

lmtp_b:
  driver = smtp
  protocol = lmtp
  port = {self.dovecot_b.port}
  hosts_avoid_tls = *
  connection_max_messages = 1

begin retry

*   *   F,25s,3s
"""
        for exim, extra in ((self.er, ""), (self.er_size, "message_size_limit = 20K\n"),
                            (self.er_busy, "smtp_accept_max_per_host = 1\n"),
                            # More free spool space demanded than any disk has: the server's storage counts as full.
                            (self.er_disk, "check_spool_space = 9000000G\n")):
            exim.main_extra = main + extra
            exim.body = body

    # ---- the two senders: every lab domain has a route ----
    def routes(self):
        """domain -> (kind, port or host): kind is smtp, notls (never STARTTLS), musttls, lmtp or host."""
        routes = {}
        for policy in POLICIES:
            routes[f"pf{policy}.test"] = ("smtp", self.pr_ports[policy])
            routes[f"ex{policy}.test"] = ("smtp", self.er_ports[policy])
        routes["pftls.test"] = ("notls", self.pr_ports["tls"])
        routes["extls.test"] = ("notls", self.er_ports["tls"])
        routes["pfnotls.test"] = ("musttls", self.pr_ports["notls"])
        routes["elsewhere-pf.test"] = ("smtp", self.pr_ports["check"])
        routes["elsewhere-ex.test"] = ("smtp", self.er_ports["check"])
        routes["extemp.test"] = ("smtp", self.er_ports["pass"])
        routes["lmtpa.test"] = ("lmtp", self.dovecot_a.port)
        routes["lmtpb.test"] = ("lmtp", self.dovecot_b.port)
        routes["silent.test"] = ("smtp", self.silent.port)
        routes["closed.test"] = ("smtp", self.closed_port)
        routes["mxgone.test"] = ("host", "mx1.nohost.invalid")
        return routes

    def _configure_ps(self):
        ps = self.ps
        transport = [f"sender.test lmtp:inet:{LOOPBACK}:{self.dovecot_a.port}"]
        policy = []
        for domain, (kind, where) in self.routes().items():
            if kind == "lmtp":
                transport.append(f"{domain} lmtp:inet:{LOOPBACK}:{where}")
            elif kind == "host":
                transport.append(f"{domain} smtp:[{where}]")
            else:
                transport.append(f"{domain} smtp:[{LOOPBACK}]:{where}")
                if kind == "musttls":
                    policy.append(f"[{LOOPBACK}]:{where} encrypt")
        ps.settings.update({
            "transport_maps": ps.map_file("transport", transport),
            # Plain SMTP unless a route demands TLS: the TLS-required receivers must meet a client without it.
            "smtp_tls_security_level": "none",
            "smtp_tls_policy_maps": ps.map_file("tls_policy", policy),
        })

    def _configure_es(self):
        es = self.es
        routes = self.routes()
        hosts = es.file("hosts", [f"{d}: {LOOPBACK if k != 'host' else w}" for d, (k, w) in routes.items()])
        ports = es.file("ports", [f"{d}: {w}" for d, (k, w) in routes.items() if k != "host"])
        kinds = {"smtp": "remote_smtp", "notls": "remote_notls", "musttls": "remote_musttls", "lmtp": "lmtp_direct", "host": "remote_smtp"}
        transports = es.file("transports", [f"{d}: {kinds[k]}" for d, (k, w) in routes.items()])
        es.main_extra = f"""acl_smtp_rcpt = acl_rcpt
tls_advertise_hosts =
dsn_advertise_hosts = {LOOPBACK}
"""
        smtp_common = f"""  driver = smtp
  port = ${{lookup{{$domain}}lsearch{{{ports}}}{{$value}}{{25}}}}
  connect_timeout = 5s
  command_timeout = 6s
  # Exim hands waiting mail to an open connection by host, not by port; every lab receiver is 127.0.0.1.
  connection_max_messages = 1
"""
        es.body = f"""
begin acl

acl_rcpt:
  accept  hosts = {LOOPBACK}
  deny

begin routers

home:
  driver = manualroute
  domains = sender.test
  route_list = * {LOOPBACK}
  transport = lmtp_home
  self = send

lab:
  driver = manualroute
  domains = lsearch;{hosts}
  route_data = ${{lookup{{$domain}}lsearch{{{hosts}}}}}
  transport = ${{lookup{{$domain}}lsearch{{{transports}}}}}
  host_find_failed = decline
  self = send

internet:
  driver = dnslookup
  transport = remote_smtp
  no_more

begin transports

remote_smtp:
{smtp_common}
remote_notls:
{smtp_common}  hosts_avoid_tls = *

remote_musttls:
{smtp_common}  hosts_require_tls = *
  tls_verify_certificates =

lmtp_direct:
{smtp_common}  protocol = lmtp
  hosts_avoid_tls = *

lmtp_home:
  driver = smtp
  protocol = lmtp
  port = {self.dovecot_a.port}
  hosts_avoid_tls = *

begin retry

*   *   F,25s,3s
"""

    def start(self):
        self._configure_pr()
        self._configure_er()
        self._configure_ps()
        self._configure_es()
        self.dovecot_a.start()
        self.dovecot_b.start()
        for server in (self.pr, self.er, self.er_size, self.er_busy, self.er_disk, self.ps, self.es):
            server.start()
        # The one connection each busy receiver allows per host is taken before any mail is sent.
        self.held = [HeldConnection(self.lab, self.pr_ports["busy"]), HeldConnection(self.lab, self.er_ports["busy"])]

    def submit_port(self, mta):
        return self.ps_port if mta == "postfix" else self.es_port

    def flush(self):
        self.ps.flush()
        self.pr.flush()
        for exim in (self.es, self.er):
            exim.flush()

    def queues_empty(self):
        return all(s.queue_empty() for s in (self.ps, self.pr, self.es, self.er))

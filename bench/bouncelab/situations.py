"""The situations whose answer is known, each one sent through the sending Postfix and the sending Exim.

Every case is one message from its own envelope sender (s-<case>@sender.test), so whatever comes back to that
mailbox belongs to that case. The expected reason is the one the situation was built to produce, in the corpus'
vocabulary; it never comes from reading the bounce."""
from dataclasses import dataclass, field

HARD = {"userunknown", "hostunknown", "hasmoved"}
NOT_FAILURES = {"vacation", "delivered", "feedback"}

VALID_USERS = ["alice", "bob", "carol", "full", "away", "reporter"]


@dataclass
class Recipient:
    address: str
    reason: str | None  # None: delivered normally, no row expected

    @property
    def hard(self):
        if self.reason in NOT_FAILURES:
            return ""
        return "1" if self.reason in HARD else "0"


@dataclass
class Case:
    name: str
    sender_mta: str  # "postfix" or "exim"
    situation: str  # what was set up, in words (goes to the README table)
    recipients: list
    size: str = "small"  # small, medium (beats the 1 KB quota), big (beats the 20 KB size limit)
    subject: str = "Quarterly newsletter"
    notify: str | None = None
    replies: int = 1  # messages expected back in the sender's mailbox

    @property
    def envelope_sender(self):
        return f"s-{self.name}@sender.test"

    @property
    def file(self):
        return f"{self.name}.eml"


def r(address, reason):
    return Recipient(address, reason)


def cases():
    """Both sending MTAs through every receiving setup; `pf`/`ex` in a domain name says which receiving MTA."""
    out = []
    for mta, tag in (("postfix", "pf"), ("exim", "ex")):
        def add(name, situation, recipients, **kw):
            out.append(Case(f"{mta}-{name}", mta, situation, recipients, **kw))

        for rx in ("pf", "ex"):
            rxname = "postfix" if rx == "pf" else "exim"
            add(f"userunknown-rcpt-{rxname}rx", f"receiving {rxname} checks recipients at RCPT; two of three do not exist",
                [r(f"nosuchuser@{rx}check.test", "userunknown"), r(f"alice@{rx}check.test", None),
                 r(f"gone.away@{rx}check.test", "userunknown")])
            add(f"userunknown-lmtp-{rxname}rx", f"receiving {rxname} accepts everyone, Dovecot LMTP behind it refuses the unknown user",
                [r(f"nobody-here@{rx}pass.test", "userunknown"), r(f"bob@{rx}pass.test", None)])
            add(f"mixed-{rxname}rx", f"receiving {rxname} accepts; LMTP then refuses one unknown user and one over quota",
                [r(f"former.staff@{rx}pass.test", "userunknown"), r(f"full@{rx}pass.test", "mailboxfull")], size="medium")
            add(f"mesgtoobig-{rxname}rx", f"receiving {rxname} allows 20 KB; a 40 KB message is refused",
                [r(f"alice@{rx}size.test", "mesgtoobig")], size="big")
            add(f"blocked-{rxname}rx", f"receiving {rxname} refuses the sending host by client access policy",
                [r(f"alice@{rx}block.test", "blocked")])
            add(f"norelaying-{rxname}rx", f"receiving {rxname} is asked to relay to a domain it does not serve",
                [r(f"carol@elsewhere-{rx}.test", "norelaying")])
            add(f"greylisted-{rxname}rx", f"receiving {rxname} greylists (4xx) every attempt until the sender's queue lifetime ends",
                [r(f"alice@{rx}grey.test", "expired")])
            add(f"tlsrequired-{rxname}rx", f"receiving {rxname} requires STARTTLS; the sending transport does not use TLS",
                [r(f"alice@{rx}tls.test", "failedstarttls")])
            add(f"spam-{rxname}rx", f"receiving {rxname}'s content filter refuses the message as spam",
                [r(f"bob@{rx}spam.test", "spamdetected")], subject="SPAM-TEST cheap watches")
            add(f"sender-refused-{rxname}rx", f"receiving {rxname} refuses the envelope sender's domain by sender policy",
                [r(f"alice@{rx}sender.test", "rejected")])
            add(f"hasmoved-{rxname}rx", f"receiving {rxname} knows the user left and names the new address (5.1.6)",
                [r(f"oldname@{rx}check.test", "hasmoved")])
            add(f"systemfull-{rxname}rx", f"receiving {rxname} finds too little free space for its queue; 452 until the lifetime ends",
                [r(f"alice@{rx}disk.test", "systemfull")])
            add(f"toomanyconn-{rxname}rx", f"receiving {rxname} allows one connection per host and one is already open; 421 until the lifetime ends",
                [r(f"alice@{rx}busy.test", "toomanyconn")])
        add("userunknown-lmtp-direct", "delivered straight to Dovecot LMTP, which refuses unknown users",
            [r("no.such.person@lmtpa.test", "userunknown"), r("also-unknown@lmtpa.test", "userunknown")])
        add("mailboxfull-552-direct", "delivered straight to Dovecot LMTP; the mailbox is over its quota (552 5.2.2)",
            [r("full@lmtpa.test", "mailboxfull")], size="medium")
        add("mailboxfull-452-direct", "delivered straight to Dovecot LMTP with quota_full_tempfail (452 4.2.2) until the lifetime ends",
            [r("full@lmtpb.test", "mailboxfull")], size="medium")
        add("mailboxfull-452-eximrx", "receiving exim accepts; Dovecot LMTP behind it answers 452 4.2.2 until exim's retry time ends",
            [r("full@extemp.test", "mailboxfull")], size="medium")
        add("hostunknown-mx", "the recipient domain does not exist in DNS (.invalid)",
            [r("alice@nohost.invalid", "hostunknown")])
        add("hostunknown-relayhost", "the domain's route names a mail host that does not exist in DNS",
            [r("alice@mxgone.test", "hostunknown")])
        add("timeout-silent", "the receiving server accepts the connection and never greets; timeouts until the lifetime ends",
            [r("alice@silent.test", "expired")])
        add("connection-refused", "nothing listens on the receiving port; connection refused until the lifetime ends",
            [r("alice@closed.test", "expired")])
        # Exim keeps a connection-level failure with the host's retry record, not the address, so its report
        # says only "retry timeout exceeded": all that report can tell is that delivery expired.
        add("tlsnotoffered", "the sender requires TLS for this route and the receiving server does not offer STARTTLS",
            [r("alice@pfnotls.test", "failedstarttls" if mta == "postfix" else "expired")])
        add("delivered-dsn", "the sender asked for a success notice (RCPT NOTIFY=SUCCESS); Dovecot LMTP delivered it",
            [r("carol@lmtpa.test", "delivered")], notify="SUCCESS")
        add("feedback", "the recipient marks the message as abuse; Pigeonhole's report extension sends an ARF report back",
            [r(f"reporter@{'pfpass' if tag == 'pf' else 'extemp'}.test", "feedback")])
        add("vacation", "Dovecot's Sieve vacation answers for a user who is away (RFC 3834 auto-reply)",
            [r(f"away@{'pfpass' if tag == 'pf' else 'extemp'}.test", "vacation")])
    return out

"""bench/make-bounces: runs real MTAs on loopback and keeps the bounces they write as a corpus with known answers."""
import argparse
import os
import smtplib
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate

import collect
from dovecot import mailbox_files
from lab import LOOPBACK, Lab
from situations import cases
from topology import Topology

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PARAGRAPH = ("Thank you for reading our newsletter. This month we look at the spring schedule, the new opening "
             "hours of the front desk and the answers to the questions readers sent us in March.\n")


def message(case):
    m = EmailMessage()
    m["From"] = f"Sender Newsletter <{case.envelope_sender}>"
    m["To"] = ", ".join(r.address for r in case.recipients)
    m["Subject"] = case.subject
    m["Date"] = formatdate(localtime=False)
    m["Message-ID"] = f"<{case.name}.{int(time.time())}@sender.test>"
    repeat = {"small": 2, "medium": 30, "big": 220}[case.size]
    m.set_content(PARAGRAPH * repeat)
    return m


def send(topology, case):
    with smtplib.SMTP(LOOPBACK, topology.submit_port(case.sender_mta), timeout=30) as smtp:
        refused = smtp.send_message(message(case), from_addr=case.envelope_sender,
                                    to_addrs=[r.address for r in case.recipients],
                                    rcpt_options=[f"NOTIFY={case.notify}"] if case.notify else [])
    if refused:
        raise RuntimeError(f"{case.name}: the sending MTA itself refused {refused}")


def mailbox(topology, case):
    return mailbox_files(topology.mail_root, case.envelope_sender.split("@")[0])


def wait_for_replies(topology, selected, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        waiting = [c for c in selected if len(mailbox(topology, c)) < c.replies]
        if not waiting:
            return []
        time.sleep(3)
        topology.flush()
    return waiting


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "bounces-generated"))
    parser.add_argument("--exim", required=True, help="the unpacked exim4 binary")
    parser.add_argument("--only", help="run only the cases whose name contains this (does not write the corpus)")
    parser.add_argument("--keep", action="store_true", help="keep the lab directory (configs, logs, queues)")
    parser.add_argument("--wait", type=int, default=240, help="seconds to wait for every bounce")
    args = parser.parse_args()

    selected = [c for c in cases() if not args.only or args.only in c.name]
    lab = Lab(keep=args.keep)
    try:
        topology = Topology(lab, args.exim, cases())
        topology.start()
        print(f"bouncelab: {len(selected)} cases in {lab.root}")
        for case in selected:
            send(topology, case)
        missing = wait_for_replies(topology, selected, args.wait)
        time.sleep(5)  # anything arriving late beyond the expected replies is reported, not kept
        results = []
        for case in selected:
            files = mailbox(topology, case)
            if len(files) != case.replies:
                print(f"bouncelab: {case.name}: {len(files)} messages came back, {case.replies} expected")
            if files:
                with open(files[0], "rb") as f:
                    results.append((case, f.read()))
        for case in missing:
            print(f"bouncelab: MISSING {case.name}")
        if args.only:
            for case, raw in results:
                print(f"==== {case.name}\n{raw.decode(errors='replace')[:3000]}")
            return 0
        if missing:
            print("bouncelab: not every situation produced its bounce; the corpus was not rewritten")
            return 1
        rows = collect.write_corpus(args.out, results)
        with open(os.path.join(HERE, "README.template.md")) as f:
            readme = f.read().replace("{table}", collect.situations_table(results))
        with open(os.path.join(args.out, "README.md"), "w") as f:
            f.write(readme.replace("{samples}", str(len(results))).replace("{rows}", str(len(rows))))
        print(f"bouncelab: wrote {len(results)} samples and {len(rows)} rows to {args.out}")
        return 0
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())

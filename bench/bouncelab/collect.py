"""Reads what came back to each case's mailbox and writes the corpus: samples/*.eml, expected.tsv, README table."""
import email
import email.policy
import os
import re

ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def reported_status(raw, address):
    """The enhanced status the bounce reports for this recipient: the one in the remote reply (Diagnostic-Code) if
    it carries one, else the DSN's Status field. Only fills the status column; the reason comes from the case."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks[1:] if isinstance(blocks, list) else []:
            names = (block.get("Final-Recipient", "") + " " + block.get("Original-Recipient", "")).lower()
            if address.lower() not in names:
                continue
            diagnostic = " ".join(block.get("Diagnostic-Code", "").split())
            found = ENHANCED.search(diagnostic.split(";", 1)[-1])
            if found:
                return found.group(0)
            return block.get("Status", "").strip()
    return ""


def write_corpus(out_dir, results):
    """results: list of (case, raw bytes). Writes the samples and expected.tsv; returns the rows written."""
    samples = os.path.join(out_dir, "samples")
    os.makedirs(samples, exist_ok=True)
    for old in os.listdir(samples):
        if old.endswith(".eml"):
            os.remove(os.path.join(samples, old))
    rows = []
    for case, raw in results:
        with open(os.path.join(samples, case.file), "wb") as f:
            f.write(raw.replace(b"\r\n", b"\n"))
        for recipient in case.recipients:
            if recipient.reason is None:
                continue
            status = "" if recipient.reason == "vacation" else reported_status(raw, recipient.address)
            rows.append((case.file, recipient.address, status, recipient.reason, recipient.hard))
    rows.sort()
    with open(os.path.join(out_dir, "expected.tsv"), "w") as f:
        f.write("file\trecipient\tstatus\treason\thardbounce\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    return rows


def situations_table(results):
    lines = ["| sample | sent through | situation set up | expected reason(s) |", "| --- | --- | --- | --- |"]
    for case, _ in sorted(results, key=lambda item: item[0].name):
        reasons = ", ".join(sorted({r.reason for r in case.recipients if r.reason}))
        lines.append(f"| {case.file} | {case.sender_mta} | {case.situation} | {reasons} |")
    return "\n".join(lines)

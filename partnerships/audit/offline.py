#!/usr/bin/env python3
"""Recompute the audit chain of an auditor's dossier offline, with Python 3's standard library.

Run it in the dossier's folder (next to SHA256SUMS):

    python3 verify_audit_chain.py
    python3 verify_audit_chain.py --anchors audit-anchors.jsonl    # your copy of the checkpoints
    python3 verify_audit_chain.py --key-file anchor.key            # the operators' HMAC key

What it checks, from the files under audit/ alone:
- every entry of the chain segments is recomputed from its content (SHA-256 over its canonical
  JSON, the previous entry's hash included) and must give the hash it carries;
- each entry names the previous entry's hash, and the entries of a segment run without gaps;
- each segment ends on the checkpoint (an HMAC-signed note of the chain's head) that followed
  the dossier's entries; the entries newer than the last checkpoint end on the chain's head as
  it was when the dossier was made, which nobody had signed yet;
- every entry in audit/entries.json is in a segment, unchanged.
Entries of the trail outside the reader's scope are in the segments only as their hashes
("withheld"): the links through them are checked, their content cannot be.

With --anchors, every checkpoint the dossier relies on must be in that file (the operators keep
it where the database cannot rewrite it). With --key-file, each checkpoint's signature is
checked as well. The exit status is 0 when everything holds, 1 otherwise.

This file ships inside every dossier; it is also `partnerships/audit/offline.py` in the app.
"""

import argparse
import hashlib
import hmac
import json
import sys
from pathlib import Path

GENESIS = "0" * 64
PURPOSE = "partnerships-audit-checkpoint-v1"
HASHED = (
    "seq", "occurred_at", "actor_id", "actor_label", "ip", "action", "object_type",
    "object_id", "office_id", "before", "after", "prev_hash",
)  # fmt: skip
CHECKPOINT_FIELDS = ("seq", "head_hash", "count", "signed_at", "signature")


def entry_hash(record: dict) -> str:
    """The hash of an audit entry, as the application computes it."""
    payload = {key: record[key] for key in HASHED}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def checkpoint_signature(checkpoint: dict, key: bytes) -> str:
    fields = {
        "purpose": PURPOSE,
        "seq": checkpoint["seq"],
        "head_hash": checkpoint["head_hash"],
        "count": checkpoint["count"],
        "signed_at": checkpoint["signed_at"],
    }
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _read_lines(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def verify(folder: Path, anchors: Path | None = None, key: bytes | None = None):
    """(problems, notes): what is wrong, and what was checked."""
    audit = folder / "audit"
    problems: list[str] = []
    notes: list[str] = []
    segments = json.loads((audit / "segments.json").read_text(encoding="utf-8"))
    chain = _read_lines(audit / "chain.jsonl")
    by_seq = {}
    for record in chain:
        if record["seq"] in by_seq:
            problems.append(f"entry {record['seq']} appears twice in the chain")
        by_seq[record["seq"]] = record
    recomputed = withheld = 0
    for segment in segments:
        first, last = segment["first_seq"], segment["last_seq"]
        prev = None
        for seq in range(first, last + 1):
            record = by_seq.get(seq)
            if record is None:
                problems.append(f"entry {seq} is missing from the segment {first}-{last}")
                prev = None
                continue
            if prev is not None and record["prev_hash"] != prev:
                problems.append(f"entry {seq} does not follow entry {seq - 1}")
            if seq == 1 and record["prev_hash"] != GENESIS:
                problems.append("entry 1 does not start the chain")
            if record.get("withheld"):
                withheld += 1
            elif entry_hash(record) != record["hash"]:
                problems.append(f"the content of entry {seq} does not match its hash")
            else:
                recomputed += 1
            prev = record["hash"]
        checkpoint = segment.get("checkpoint")
        if checkpoint is not None:
            if checkpoint["seq"] != last or prev != checkpoint["head_hash"]:
                problems.append(
                    f"entries {first}-{last} do not end on the checkpoint of "
                    f"{checkpoint['signed_at']} (entry {checkpoint['seq']})"
                )
            else:
                signed = checkpoint["signed_at"]
                notes.append(f"entries {first}-{last}: end on the checkpoint signed {signed}")
        elif prev != segment["head_hash"]:
            problems.append(f"entries {first}-{last} do not end on the head the dossier recorded")
        else:
            notes.append(
                f"entries {first}-{last}: newer than the last checkpoint; they end on the chain's "
                f"head when the dossier was made (entry {last}), not signed yet"
            )
    entries = json.loads((audit / "entries.json").read_text(encoding="utf-8"))
    for entry in entries:
        found = by_seq.get(entry["seq"])
        if found is None or found.get("withheld") or found != entry:
            problems.append(f"entry {entry['seq']} of entries.json is not in the chain as it is")
    checkpoints = _read_lines(audit / "checkpoints.jsonl")
    if anchors is not None:
        kept = [{k: a.get(k) for k in CHECKPOINT_FIELDS} for a in _read_lines(anchors)]
        for checkpoint in checkpoints:
            if {k: checkpoint.get(k) for k in CHECKPOINT_FIELDS} not in kept:
                problems.append(f"the checkpoint of {checkpoint['signed_at']} is not in {anchors}")
        notes.append(f"{len(checkpoints)} checkpoint(s) found in {anchors}")
    if key is not None:
        for checkpoint in checkpoints:
            if not hmac.compare_digest(
                checkpoint_signature(checkpoint, key), checkpoint["signature"]
            ):
                problems.append(
                    f"the checkpoint of {checkpoint['signed_at']} is not signed by the key"
                )
        notes.append(f"{len(checkpoints)} checkpoint signature(s) checked with the key")
    notes.insert(
        0, f"{recomputed} entries recomputed from their content, {len(entries)} in entries.json"
    )
    if withheld:
        notes.insert(
            1,
            f"{withheld} entries outside the reader's scope are withheld: their links were "
            "checked, their content could not be",
        )
    return problems, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Recompute a dossier's audit chain offline.")
    parser.add_argument("folder", nargs="?", default=str(Path(__file__).resolve().parent))
    parser.add_argument("--anchors", help="your copy of the checkpoint file (audit-anchors.jsonl)")
    parser.add_argument("--key-file", help="a file holding AUDIT_ANCHOR_KEY")
    args = parser.parse_args(argv)
    key = (
        Path(args.key_file).read_text(encoding="utf-8").strip().encode() if args.key_file else None
    )
    anchors = Path(args.anchors) if args.anchors else None
    try:
        problems, notes = verify(Path(args.folder), anchors, key)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"FAILED: the audit files cannot be read ({error})")
        return 1
    for note in notes:
        print(note)
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("FAILED" if problems else "OK: the audit chain in this dossier holds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

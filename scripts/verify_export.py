#!/usr/bin/env python3
"""Checks a Roster signed export, written from docs/audit-export.md alone (no Roster code).

Usage: verify_export.py EXPORT_FILE PUBLIC_KEY_PEM
Prints one line (VALID, EDITED LINE, REMOVED LINE, TRUNCATED TAIL or FORGED SIGNATURE) and
exits 0, 3, 4, 5 or 6; 1 when it cannot run, 2 when called wrongly.
Needs PyPI's rfc8785 and cryptography (`node scripts/audit-verifier.js` makes a venv with them).
"""
import base64
import hashlib
import json
import re
import sys

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

GENESIS = "0" * 64
FORMAT = "roster-audit-export/1"
EXIT = {"edited line": 3, "removed line": 4, "truncated tail": 5, "forged signature": 6}
DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")


class Failure(Exception):
    def __init__(self, problem, line, detail):
        super().__init__(detail)
        self.problem, self.line, self.detail = problem, line, detail


def event_hash(previous, event):
    metadata = {k: v for k, v in event["metadata"].items() if k != "hash"}
    body = {k: event[k] for k in ("streamId", "revision", "id", "type") }
    if "data" in event:
        body["data"] = event["data"]
    body["metadata"] = metadata
    return hashlib.sha256(previous.encode("ascii") + b"\n" + rfc8785.dumps(body)).hexdigest()


def event_problem(value, stream_id):
    """Why a parsed line is not an event line of this export, or None."""
    if not isinstance(value, dict):
        return "not a JSON object"
    for field in ("streamId", "id", "type", "revision", "position", "recordedAt"):
        if not isinstance(value.get(field), str):
            return "field %s is not a string" % field
    if not DECIMAL.match(value["revision"]) or not DECIMAL.match(value["position"]):
        return "revision and position must be decimal strings"
    if not isinstance(value.get("metadata"), dict):
        return "field metadata is not an object"
    if stream_id is not None and value["streamId"] != stream_id:
        return "another stream's event"
    return None


def is_manifest(value):
    return isinstance(value, dict) and isinstance(value.get("manifest"), dict)


def verify(path, public_key):
    first_failure = None
    manifest = None  # (value, line number)
    stream_id = None
    expected, previous = 0, GENESIS
    events, last_revision, last_hash = 0, -1, ""
    number = 0

    def fail(problem, line, detail):
        nonlocal first_failure
        if first_failure is None:
            first_failure = Failure(problem, line, detail)

    with open(path, "rb") as handle:
        for raw in handle:
            text = raw.decode("utf-8")
            if text.strip() == "":
                continue
            number += 1
            try:
                value = json.loads(text)
            except ValueError:
                fail("edited line", number, "not valid JSON")
                manifest = None
                continue
            if manifest is not None:
                fail("edited line", number, "a line after the manifest")
                manifest = None
            if is_manifest(value):
                manifest = (value, number)
                continue
            problem = event_problem(value, stream_id)
            if problem:
                fail("edited line", number, problem)
                continue
            stream_id = stream_id or value["streamId"]
            events += 1
            if first_failure is not None:
                continue
            revision = int(value["revision"])
            if revision != expected:
                fail("removed line", number, "expected revision %d, found %d" % (expected, revision))
                continue
            recorded = value["metadata"].get("hash")
            if not isinstance(recorded, str) or recorded == "":
                fail("edited line", number, "metadata.hash is absent")
                continue
            if value["metadata"].get("previousHash") != previous:
                fail("removed line", number, "metadata.previousHash is not the previous event's hash")
                continue
            computed = event_hash(previous, value)
            if computed != recorded:
                fail("edited line", number, "recorded hash %s, computed %s" % (recorded, computed))
                continue
            previous, expected = recorded, expected + 1
            last_revision, last_hash = revision, recorded

    if manifest is None:
        raise Failure("truncated tail", number, "no signed manifest at the end of the file")
    value, manifest_line = manifest
    m = value["manifest"]
    signature = value.get("signature")
    try:
        if not isinstance(signature, str):
            raise InvalidSignature()
        public_key.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), rfc8785.dumps(m))
    except (InvalidSignature, ValueError):
        raise Failure("forged signature", manifest_line, "the manifest's signature is not this key's")
    if first_failure is not None:
        raise first_failure
    if m.get("format") != FORMAT or (stream_id is not None and m.get("streamId") != stream_id):
        raise Failure("edited line", manifest_line, "the manifest is of another format or stream")
    count = m.get("count")
    last = int(m["lastRevision"]) if DECIMAL.match(str(m.get("lastRevision"))) else -1
    if events < count or last_revision < last:
        raise Failure("truncated tail", manifest_line, "the manifest counts %s events, the file holds %d" % (count, events))
    if events > count or last_revision > last:
        raise Failure("edited line", manifest_line, "the file holds %d events, the manifest counts %s" % (events, count))
    if last_hash != m.get("headHash"):
        raise Failure("edited line", manifest_line - 1, "the chain's head is not the manifest's headHash")
    return m


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: verify_export.py EXPORT_FILE PUBLIC_KEY_PEM\n")
        return 2
    try:
        with open(argv[2], "rb") as handle:
            key = load_pem_public_key(handle.read())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 key")
        with open(argv[1], "rb"):
            pass
    except (OSError, ValueError) as error:
        sys.stderr.write("verify_export: cannot run: %s\n" % error)
        return 1
    try:
        m = verify(argv[1], key)
    except Failure as failure:
        print("%s: line %s: %s" % (failure.problem.upper(), failure.line, failure.detail))
        return EXIT[failure.problem]
    key_id = hashlib.sha256(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest()[:16]
    print("VALID: %s events of organization %s, head %s, signed by key %s" % (m["count"], m["organizationId"], m["headHash"], key_id))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

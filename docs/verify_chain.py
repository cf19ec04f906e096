#!/usr/bin/env python3
"""Recompute the aid ledger's hash chain, its period seals and the public notices'
chain from an export, with nothing but Python 3.11+ (docs/aid-accounting.md,
"Checking the ledger yourself").

    python manage.py aid_export_ledger --format chain --output chain.jsonl
    python3 verify_chain.py chain.jsonl [--open-data open-data.json] [--seal 2026-10=<hash>]

``--open-data`` takes a saved copy of /open-data/ (its "seals"), ``--seal`` a
seal hash copied from a notice page: the export must agree with what was
published then. Exit status 0 if everything matches, 1 listing the breaks.
"""

import argparse
import hashlib
import json
import sys

GENESIS_HASH = "0" * 64


def sha256(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def verify(records: list[dict], published: dict[str, str]) -> list[str]:
    problems = []
    transactions = [r for r in records if r["type"] == "transaction"]
    seals = [r for r in records if r["type"] == "seal"]
    notices = [r for r in records if r["type"] == "notice"]

    # The ledger: each transaction's hash, its place, and the balances the seals need.
    wanted = {seal["content"]["head_sequence"] for seal in seals}
    balances: dict[str, int] = {}
    balances_at = {0: []}
    previous, expected = GENESIS_HASH, 1
    for record in transactions:
        content = record["content"]
        where = f"transaction {content['sequence']}"
        if content["sequence"] != expected:
            problems.append(f"{where}: expected sequence {expected} (missing or out of order)")
        if content["previous_hash"] != previous:
            problems.append(f"{where}: previous hash is not the hash of the one before it")
        if sha256(content) != record["hash"]:
            problems.append(f"{where}: content does not match its hash")
        for code, amount, _line in content["entries"]:
            balances[code] = balances.get(code, 0) + amount
        if content["sequence"] in wanted:
            balances_at[content["sequence"]] = [[c, balances[c]] for c in sorted(balances)]
        previous, expected = record["hash"], content["sequence"] + 1

    # The seals: each against the transactions up to its head, and chained.
    by_sequence = {r["content"]["sequence"]: r["hash"] for r in transactions}
    by_sequence[0] = GENESIS_HASH
    previous = GENESIS_HASH
    for record in seals:
        content = record["content"]
        where = f"seal of {content['period']}"
        if sha256(content) != record["hash"]:
            problems.append(f"{where}: fields do not match its hash")
        if content["previous_hash"] != previous:
            problems.append(f"{where}: previous hash is not the previous seal's hash")
        if by_sequence.get(content["head_sequence"]) != content["head_hash"]:
            problems.append(f"{where}: transaction {content['head_sequence']} differs from it")
        at_head = balances_at.get(content["head_sequence"])
        if at_head is None or sha256(at_head) != content["balances_hash"]:
            problems.append(f"{where}: balances up to its head do not match its balances hash")
        previous = record["hash"]

    # What was published must be what the export holds.
    exported = {r["content"]["period"]: r["hash"] for r in seals}
    for period, seal_hash in sorted(published.items()):
        if exported.get(period) != seal_hash:
            problems.append(
                f"seal of {period}: published {seal_hash}, export has {exported.get(period)}"
            )

    # The public notices' own chain.
    previous, expected = GENESIS_HASH, 1
    for record in notices:
        content = record["content"]
        where = f"notice {content['sequence']} ({content['village']} {content['period']})"
        if content["sequence"] != expected:
            problems.append(f"{where}: expected sequence {expected}")
        if content["previous_hash"] != previous:
            problems.append(f"{where}: previous hash is not the previous notice's hash")
        if sha256(content) != record["hash"]:
            problems.append(f"{where}: content does not match its hash")
        previous, expected = record["hash"], content["sequence"] + 1
    return problems


def published_seals(args) -> dict[str, str]:
    published = {}
    if args.open_data:
        with open(args.open_data, encoding="utf-8") as data:
            for seal in json.load(data).get("seals", []):
                published[seal["period"]] = seal["seal_hash"]
    for text in args.seal:
        period, _, seal_hash = text.partition("=")
        published[period] = seal_hash
    return published


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="output of aid_export_ledger --format chain")
    parser.add_argument("--open-data", help="a saved /open-data/ JSON document")
    parser.add_argument("--seal", action="append", default=[], help="PERIOD=HASH, published")
    args = parser.parse_args()
    with open(args.export, encoding="utf-8") as export:
        records = [json.loads(line) for line in export if line.strip()]
    problems = verify(records, published_seals(args))
    for problem in problems:
        print(problem)
    counts = {kind: sum(r["type"] == kind for r in records) for kind in ("transaction", "seal")}
    if problems:
        print(f"BROKEN: {len(problems)} problem(s); the first is the first line above.")
        return 1
    notices = sum(r["type"] == "notice" for r in records)
    print(
        f"OK: {counts['transaction']} transactions, {counts['seal']} seals and "
        f"{notices} notices recomputed."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Token probabilities of a reply, stored compactly beside its message (zlib-compressed JSON, probabilities rounded).

A record is one group of tokens that makes whole characters (engine/logprobs.py):
``{"text", "p", "raw", "ids", "top": [[token id, text, p, raw], ...]}``. ``kind`` says which distribution ``p`` is:
"sampled" (after the sampler's settings) or "raw" (the model's own, at temperature 0).
"""

from __future__ import annotations

import json
import zlib

from desktop_gpt.storage.db import Database

DIGITS = 4


def encode(records: list[dict]) -> bytes:
    rows = [[r["text"], round(r["p"], DIGITS), round(r["raw"], DIGITS), r["ids"],
             [[t, text, round(p, DIGITS), round(raw, DIGITS)] for t, text, p, raw in r["top"]]] for r in records]
    return zlib.compress(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def decode(blob: bytes) -> list[dict]:
    rows = json.loads(zlib.decompress(blob).decode("utf-8"))
    return [{"text": text, "p": p, "raw": raw, "ids": ids, "top": top} for text, p, raw, ids, top in rows]


class ProbabilityStore:
    """Reads and writes the probabilities of assistant messages."""

    def __init__(self, db: Database):
        self.db = db

    def save(self, message_id: int, records: list[dict], kind: str = "sampled") -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO message_probabilities (message_id, kind, data) VALUES (?, ?, ?) "
                "ON CONFLICT(message_id) DO UPDATE SET kind = excluded.kind, data = excluded.data",
                (message_id, kind, encode(records)),
            )

    def load(self, message_id: int) -> tuple[str, list[dict]] | None:
        rows = self.db.query("SELECT kind, data FROM message_probabilities WHERE message_id = ?", (message_id,))
        if not rows:
            return None
        return rows[0]["kind"], decode(rows[0]["data"])

    def has(self, message_ids: list[int]) -> set[int]:
        """Which of ``message_ids`` have probabilities."""
        if not message_ids:
            return set()
        marks = ",".join("?" * len(message_ids))
        rows = self.db.query(f"SELECT message_id FROM message_probabilities WHERE message_id IN ({marks})",
                             tuple(message_ids))
        return {r["message_id"] for r in rows}

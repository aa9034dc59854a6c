#!/usr/bin/env python3
"""Runs the DuckDB SQL of docs/sql.md against a generated log directory and checks the answers.

Every ```sql block whose first line is `-- duckdb: NAME` is run in order, in the generated
directory (the view reads `interactions-*.jsonl` relative to it). Needs `pip install duckdb`.
"""

import json
import os
import pathlib
import re
import sys
import tempfile

import duckdb

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "sql.md"


def blocks():
    text = DOCS.read_text()
    found = {}
    for body in re.findall(r"```sql\n(.*?)```", text, re.S):
        first = body.splitlines()[0]
        if first.startswith("-- duckdb:"):
            found[first.split(":", 1)[1].strip()] = body
    return found


def write_corpus(dir):
    day1 = [
        {"id": "a1", "timestamp": "2026-11-20T10:00:00.000Z", "session_id": "s1", "model": "m1",
         "duration_ms": 1000, "prompt": "hello",
         "messages": [{"role": "user", "content": "hello"}],
         "usage": {"input_tokens": 10, "output_tokens": 5, "cache_read_tokens": 100}},
        {"id": "a2", "created_at": "2026-11-20 11:00:00", "session_id": "s1", "model": "m1",
         "duration_ms": 3000, "prompt": "again",
         "messages": [{"role": "user", "content": [{"type": "text", "text": "part one"},
                                                   {"type": "image", "media_type": "image/png", "bytes": 9},
                                                   {"type": "text", "text": "part two"}]}],
         "tool_calls": [{"name": "Read", "success": True}, {"name": "Bash", "success": False}],
         "usage": {"input_tokens": 1, "output_tokens": 2}},
    ]
    # Fields the first file never has: found only if the columns are pinned.
    day2 = [
        {"id": "b1", "timestamp": "2026-11-21T01:30:00+02:00", "session_id": "s2", "model": "m2",
         "provider": "openai", "ttft_ms": 250, "duration_ms": 9000, "prompt": "big",
         "messages": [{"role": "user", "content": "x" * (17 * 1024 * 1024)}],
         "usage": {"input_tokens": 7, "output_tokens": 3, "reasoning_tokens": 2, "cache_creation_tokens": 4}},
    ]
    with open(os.path.join(dir, "interactions-2026-11-20.jsonl"), "w", newline="") as f:
        for r in day1:
            f.write(json.dumps(r) + "\r\n")
        f.write("this is a bad line\n")
    with open(os.path.join(dir, "interactions-2026-11-21.jsonl"), "w") as f:
        for r in day2:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(dir, "notes.txt"), "w") as f:
        f.write("not a log file\n")


def check(condition, message):
    if not condition:
        print("duckdb_check: FAILED:", message)
        sys.exit(1)


def main():
    sql = blocks()
    for name in ["view", "tokens per model per day", "slowest sessions", "message text", "tool calls"]:
        check(name in sql, f"docs/sql.md has no `-- duckdb: {name}` block")
    with tempfile.TemporaryDirectory() as dir:
        write_corpus(dir)
        os.chdir(dir)
        db = duckdb.connect()
        db.execute(sql["view"])

        rows = db.execute("SELECT id, CAST(ts AS VARCHAR), provider, ttft_ms, reasoning_tokens FROM interactions ORDER BY ts").fetchall()
        check([r[0] for r in rows] == ["a1", "a2", "b1"], f"records: {rows}")
        check(rows[1][1].startswith("2026-11-20 11:00:00"), f"created_at read as UTC: {rows[1]}")
        check(rows[2][1].startswith("2026-11-20 23:30:00"), f"offset honoured: {rows[2]}")
        check(rows[2][2:] == ("openai", 250, 2), f"later fields read: {rows[2]}")

        tokens = db.execute(sql["tokens per model per day"]).fetchall()
        check([(str(d), m, c, p, o) for d, m, c, p, o in tokens]
              == [("2026-11-20", "m1", 2, 111, 7), ("2026-11-20", "m2", 1, 11, 3)], f"tokens: {tokens}")

        slowest = db.execute(sql["slowest sessions"]).fetchall()
        check([(s, t, float(sec), ms) for s, t, sec, ms, _, _ in slowest]
              == [("s2", 1, 9.0, 9000), ("s1", 2, 4.0, 3000)], f"sessions: {slowest}")

        texts = db.execute(sql["message text"] .rstrip().rstrip(";") + " ORDER BY 1").fetchall()
        check(texts[0] == ("a1", "user", "hello"), f"string content: {texts}")
        check(texts[1] == ("a2", "user", "part one\npart two"), f"block content: {texts}")
        check(texts[2][0] == "b1" and len(texts[2][2]) == 17 * 1024 * 1024, "the 17 MiB line")

        tools = db.execute(sql["tool calls"]).fetchall()
        check(sorted(tools) == [("a2", "Bash", False), ("a2", "Read", True)], f"tool calls: {tools}")
    print("duckdb_check: ok (every -- duckdb: block of docs/sql.md)")


if __name__ == "__main__":
    main()

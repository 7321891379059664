#!/usr/bin/env python3
"""Independent check of llmcost on the real Claude Code sessions in ../shared/data.

Written apart from the Rust code, from the session format and the price table alone:
counts unique API calls (message.id + requestId, over assistant lines and assistant
messages nested in progress lines), keeps each call's largest usage, and prices it with
pricing/anthropic.toml using exact decimals. Prints the figures tests/cli/real_data.rs asserts.
"""
import glob, json, sys, tomllib
from decimal import Decimal
from datetime import datetime, timezone

root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/claude-code-sessions-spotter"
table = tomllib.load(open("pricing/anthropic.toml", "rb"))

calls = {}
for path in sorted(glob.glob(f"{root}/**/*.jsonl", recursive=True)):
    for line in open(path):
        d = json.loads(line)
        entry = d
        if d.get("type") == "progress":
            entry = (d.get("data") or {}).get("message") or {}
        if entry.get("type") != "assistant":
            continue
        m = entry.get("message") or {}
        if "usage" not in m or m.get("model") in (None, "<synthetic>"):
            continue
        key = f"{m.get('id')}:{entry.get('requestId')}"
        u = m["usage"]
        rec = dict(
            ts=entry.get("timestamp") or d.get("timestamp"), model=m["model"],
            uncached=u["input_tokens"], read=u.get("cache_read_input_tokens", 0) or 0,
            write=u.get("cache_creation_input_tokens", 0) or 0,
            write1h=((u.get("cache_creation") or {}).get("ephemeral_1h_input_tokens", 0) or 0),
            out=u["output_tokens"])
        if key not in calls or rec["out"] > calls[key]["out"]:
            calls[key] = rec if key not in calls else {**calls[key], **{k: rec[k] for k in ("uncached", "read", "write", "write1h", "out")}}

def day_ms(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))

def price(rec):
    for m in table["models"]:
        if rec["model"] == m["id"] or rec["model"] in m.get("aliases", []):
            at = day_ms(rec["ts"])
            for v in m["prices"]:
                f = v.get("effective_from"); t = v.get("effective_to")
                f = datetime.fromisoformat(f).replace(tzinfo=timezone.utc) if f else None
                t = datetime.fromisoformat(t).replace(tzinfo=timezone.utc) if t else None
                if (f is None or at >= f) and (t is None or at < t):
                    return cost(rec, v)
    raise SystemExit(f"no price for {rec['model']}")

def rate(x):
    return Decimal(str(x))

def cost(rec, v):
    inp = rec["uncached"] + rec["read"] + rec["write"]
    r = v
    for tier in v.get("tiers", []):
        if inp > tier["threshold"]:
            r = tier
    i = rate(r["input"]); o = rate(r["output"])
    cr = rate(r.get("cache_read", r["input"])); cw = rate(r.get("cache_write", r["input"]))
    cw1 = rate(r.get("cache_write_1h", r.get("cache_write", r["input"])))
    micro = (rec["uncached"] * i + rec["read"] * cr + (rec["write"] - rec["write1h"]) * cw
             + rec["write1h"] * cw1 + rec["out"] * o)
    return micro / Decimal(1_000_000)

total = sum(price(r) for r in calls.values())
print("unique calls", len(calls))
print("input", sum(r["uncached"] + r["read"] + r["write"] for r in calls.values()))
print("output", sum(r["out"] for r in calls.values()))
print("cost", total.normalize())

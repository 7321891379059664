#!/usr/bin/env python3
"""A fake OpenAI / Anthropic / Gemini endpoint on 127.0.0.1 whose answers are the ground truth
for fixtures/formats/real-libs/ (scripts/gen-real-lib-fixtures drives the real client libraries
against it; not run in CI).

The usage of every answer is fixed by a keyword in the last user message, whatever library
sends it, so each fixture's expected figures can be worked out by hand from the table below
(fixtures/formats/README.md, "Real client libraries", does). Every answer sent is also appended to the truth
file (JSON lines: path, status, model, usage) so a run can be checked against what was served.

    python3 scripts/fake-llm-server.py PORT TRUTH.jsonl

OpenAI chat completions (`/v1/chat/completions`, `/chat/completions`); the answered model is
the dated snapshot of the requested alias (gpt-4o -> gpt-4o-2024-08-06, ...):
  plain      prompt 1200, completion 80
  cached     prompt 3000 of which 2048 cached, completion 100
  reasoning  prompt 500, completion 1500 of which 1216 reasoning
  stream     prompt 40, completion 12 (streamed when asked; usage in the last chunk)
  ratelimit-N  the first request carrying this exact tag gets a 429, the next ones
             prompt 300, completion 20
  down       503 on gpt-4o (the Router's fallback then goes to another group); on any other
             model prompt 1200, completion 80 like plain
Anthropic messages (`/v1/messages`), claude-sonnet-4-5 -> claude-sonnet-4-5-20250929:
  cachewrite input 100 + cache read 2000 + cache creation 30000 (5m 8000, 1h 22000), output 500
Gemini generateContent (`/v1beta/models/M:generateContent`):
  thinking   promptTokenCount 10000 of which cachedContentTokenCount 6000, candidates 200,
             thoughts 1000
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SNAPSHOTS = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "o4-mini": "o4-mini-2025-04-16",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
}

OPENAI_USAGE = {
    "plain": (1200, 80, 0, 0),
    "cached": (3000, 100, 2048, 0),
    "reasoning": (500, 1500, 0, 1216),
    "stream": (40, 12, 0, 0),
    "ratelimit": (300, 20, 0, 0),
    "down": (1200, 80, 0, 0),
}

LOCK = threading.Lock()
SEEN_TAGS = set()
COUNTER = [0]


def last_user_text(messages):
    for m in reversed(messages or []):
        if m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, list):
                return " ".join(p.get("text", "") for p in c if isinstance(p, dict))
            return c or ""
    return ""


def keyword(text):
    for word in text.split():
        base = word.split("-")[0]
        if base in OPENAI_USAGE or base in ("cachewrite", "thinking"):
            return word
    return "plain"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def truth(self, status, model, usage):
        with LOCK:
            with open(self.server.truth_path, "a") as f:
                f.write(json.dumps({"path": self.path, "status": status, "model": model, "usage": usage}) + "\n")

    def send_json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        if "chat/completions" in self.path:
            return self.openai(body)
        if self.path.endswith("/messages"):
            return self.anthropic(body)
        if ":generateContent" in self.path:
            return self.gemini(body)
        self.send_json(404, {"error": {"message": f"no route {self.path}"}})

    def next_id(self, prefix):
        with LOCK:
            COUNTER[0] += 1
            return f"{prefix}-{COUNTER[0]:03d}"

    def openai(self, body):
        requested = body.get("model", "")
        served = SNAPSHOTS.get(requested, requested)
        word = keyword(last_user_text(body.get("messages")))
        kind = word.split("-")[0]
        if kind == "ratelimit":
            with LOCK:
                first = word not in SEEN_TAGS
                SEEN_TAGS.add(word)
            if first:
                self.truth(429, served, None)
                err = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
                return self.send_json(429, err, [("retry-after", "0")])
        if kind == "down" and requested == "gpt-4o":
            self.truth(503, served, None)
            return self.send_json(503, {"error": {"message": "overloaded", "type": "server_error"}})
        prompt, completion, cached, reasoning = OPENAI_USAGE[kind]
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        self.truth(200, served, usage)
        cid, created = self.next_id("chatcmpl"), int(time.time())
        if body.get("stream"):
            return self.openai_stream(body, cid, created, served, usage)
        self.send_json(200, {
            "id": cid, "object": "chat.completion", "created": created, "model": served,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": f"ok {word}"},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": usage,
        })

    def openai_stream(self, body, cid, created, served, usage):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("connection", "close")
        self.end_headers()
        base = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": served,
                "system_fingerprint": "fp_fake"}
        chunks = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "ok"}, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {"content": " stream"}, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        ]
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**base, "choices": [], "usage": usage})
        for c in chunks:
            self.wfile.write(f"data: {json.dumps(c)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def anthropic(self, body):
        requested = body.get("model", "")
        served = SNAPSHOTS.get(requested, requested)
        usage = {
            "input_tokens": 100,
            "cache_read_input_tokens": 2000,
            "cache_creation_input_tokens": 30000,
            "cache_creation": {"ephemeral_5m_input_tokens": 8000, "ephemeral_1h_input_tokens": 22000},
            "output_tokens": 500,
            "service_tier": "standard",
        }
        self.truth(200, served, usage)
        self.send_json(200, {
            "id": self.next_id("msg"), "type": "message", "role": "assistant", "model": served,
            "content": [{"type": "text", "text": "ok cachewrite"}],
            "stop_reason": "end_turn", "stop_sequence": None, "usage": usage,
        })

    def gemini(self, body):
        model = self.path.split("/models/")[1].split(":")[0]
        usage = {
            "promptTokenCount": 10000,
            "cachedContentTokenCount": 6000,
            "candidatesTokenCount": 200,
            "thoughtsTokenCount": 1000,
            "totalTokenCount": 11200,
        }
        self.truth(200, model, usage)
        self.send_json(200, {
            "candidates": [{"content": {"role": "model", "parts": [{"text": "ok thinking"}]},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": usage,
            "modelVersion": model,
            "responseId": self.next_id("gem"),
        })


def main():
    port, truth = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.truth_path = truth
    server.serve_forever()


if __name__ == "__main__":
    main()

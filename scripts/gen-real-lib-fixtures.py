#!/usr/bin/env python3
"""Writes fixtures/formats/real-libs/ with the real client libraries against
scripts/fake-llm-server.py on 127.0.0.1 (offline; not run in CI). Needs a venv with the
versions listed in fixtures/formats/README.md ("Real client libraries"):

    python3 -m venv /tmp/clientlibs-venv
    /tmp/clientlibs-venv/bin/pip install litellm==1.110.2 openai==3.57.0 opentelemetry-sdk==1.45.2 \
        opentelemetry-exporter-otlp-proto-http==1.45.2 opentelemetry-instrumentation-openai-v2==2.4b0 \
        opentelemetry-instrumentation-openai==0.62.4
    /tmp/clientlibs-venv/bin/python scripts/gen-real-lib-fixtures.py litellm|openllmetry OUTDIR

`otel-v2` and `otel-v2-legacy` need a venv of their own each (openai-v2 2.4b0 imports
`opentelemetry.util.genai.instruments`, which util-genai 1.3b0, the one the first venv gets,
no longer has; 2.1b0 is the release with the older attribute names):

    python3 -m venv /tmp/clientlibs-v2
    /tmp/clientlibs-v2/bin/pip install openai==3.57.0 opentelemetry-sdk==1.45.2 \
        opentelemetry-exporter-otlp-proto-common==1.45.2 opentelemetry-instrumentation-openai-v2==2.4b0 \
        opentelemetry-util-genai==1.1b0 httpx==0.29.0
    /tmp/clientlibs-v2/bin/python scripts/gen-real-lib-fixtures.py otel-v2 OUTDIR

    python3 -m venv /tmp/clientlibs-v21     # 2.1b0 imports opentelemetry._events, gone in 1.45
    /tmp/clientlibs-v21/bin/pip install openai==3.57.0 opentelemetry-instrumentation-openai-v2==2.1b0 \
        opentelemetry-api==1.30.0 opentelemetry-sdk==1.30.0 opentelemetry-instrumentation==0.51b0 \
        opentelemetry-semantic-conventions==0.51b0 opentelemetry-exporter-otlp-proto-common==1.30.0 \
        opentelemetry-proto==1.30.0 httpx==0.29.0
    /tmp/clientlibs-v21/bin/python scripts/gen-real-lib-fixtures.py otel-v2-legacy OUTDIR

Each part runs in its own process (instrumentations patch the openai client globally). The
exact versions each part ran with are in fixtures/formats/README.md.
"""

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # offline: the map shipped in the wheel
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(truth):
    port = free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fake-llm-server.py"), str(port), truth])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("fake server did not start")


def msg(text):
    return [{"role": "user", "content": text}]


def run_litellm(out, port):
    import litellm
    from litellm.integrations.custom_logger import CustomLogger

    path = os.path.join(out, "litellm.jsonl")
    open(path, "w").close()

    class Writer(CustomLogger):
        """One standard_logging_object per call, successes and failures, as JSON lines."""

        def write(self, kwargs):
            payload = kwargs.get("standard_logging_object")
            if payload is not None:
                with open(path, "a") as f:
                    f.write(json.dumps(payload, default=str) + "\n")

        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            self.write(kwargs)

        def log_failure_event(self, kwargs, response_obj, start_time, end_time):
            self.write(kwargs)

        async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
            self.write(kwargs)

        async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
            self.write(kwargs)

    litellm.callbacks = [Writer()]
    base = f"http://127.0.0.1:{port}"
    oai = dict(api_base=f"{base}/v1", api_key="sk-fake")
    # The SDK: user= lands in model_parameters.user.
    litellm.completion(model="openai/gpt-4o", messages=msg("plain"), user="sdk-user-1", **oai)
    litellm.completion(model="openai/gpt-4o", messages=msg("cached"), **oai)
    litellm.completion(model="openai/o4-mini", messages=msg("reasoning"), **oai)
    stream = litellm.completion(model="openai/gpt-4o-mini", messages=msg("stream"), stream=True,
                                stream_options={"include_usage": True}, **oai)
    for _ in stream:
        pass
    # async: the callback's async_log_success_event path.
    asyncio.run(litellm.acompletion(model="openai/gpt-4o-mini", messages=msg("plain"), **oai))
    litellm.completion(model="anthropic/claude-sonnet-4-5", messages=msg("cachewrite"), max_tokens=600,
                       api_base=base, api_key="sk-ant-fake")
    litellm.completion(model="gemini/gemini-2.5-flash", messages=msg("thinking"),
                       api_base=f"{base}/v1beta", api_key="gm-fake")
    # The Router: group gpt-4o falls back to gpt-4o-mini; one retry on a 429.
    router = litellm.Router(
        model_list=[
            {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", **oai}},
            {"model_name": "gpt-4o-mini", "litellm_params": {"model": "openai/gpt-4o-mini", **oai}},
        ],
        fallbacks=[{"gpt-4o": ["gpt-4o-mini"]}],
        num_retries=1,
        retry_after=0,
    )
    # Async, as a server runs it: a sync call's success payload is built on a worker thread
    # that can run before the Router adds its x-litellm-* headers (in a probe, the first of
    # 10 sync fallbacks lacked x-litellm-attempted-fallbacks; none of 10 async ones did).

    async def routed():
        await router.acompletion(model="gpt-4o", messages=msg("plain"))
        await router.acompletion(model="gpt-4o", messages=msg("down"))
        await router.acompletion(model="gpt-4o-mini", messages=msg("ratelimit-1"))
        await asyncio.sleep(1)  # let the logging tasks finish

    asyncio.run(routed())
    time.sleep(2)  # sync success callbacks run on a worker thread


def otlp_json(spans):
    """The spans as one ExportTraceServiceRequest in OTLP/JSON, as the Collector's `file`
    exporter writes it: the SDK's own protobuf encoder, then the protobuf JSON mapping with the
    two changes OTLP/JSON makes to it (trace and span ids as hex, not base64; enums as
    integers)."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    doc = MessageToDict(encode_spans(spans), use_integers_for_enums=True)

    def hexify(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str):
                    node[k] = base64.b64decode(v).hex()
                else:
                    hexify(v)
        elif isinstance(node, list):
            for v in node:
                hexify(v)

    hexify(doc)
    return json.dumps(doc, separators=(",", ":"))


def run_otel(out, port, which):
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    env = {"otel-v2": "production", "otel-v2-legacy": "production", "openllmetry": "staging"}[which]
    key = "deployment.environment.name" if which == "otel-v2" else "deployment.environment"  # the pre-1.27 name
    resource = Resource.create({"service.name": f"app-{which}", key: env})
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    if which.startswith("otel-v2"):
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    else:
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor
    OpenAIInstrumentor().instrument()
    import openai

    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-fake", max_retries=1)
    client.chat.completions.create(model="gpt-4o", messages=msg("plain"))
    client.chat.completions.create(model="gpt-4o", messages=msg("cached"))
    client.chat.completions.create(model="o4-mini", messages=msg("reasoning"))
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=msg("stream"), stream=True,
                                            stream_options={"include_usage": True})
    for _ in stream:
        pass
    # The client's own retry after the 429: two HTTP attempts inside one instrumented call.
    client.chat.completions.create(model="gpt-4o-mini", messages=msg("ratelimit-1"))
    # A 429 the app does not retry: a failed span.
    try:
        openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-fake", max_retries=0) \
            .chat.completions.create(model="gpt-4o-mini", messages=msg("ratelimit-2"))
    except openai.RateLimitError:
        pass
    provider.force_flush()
    with open(os.path.join(out, f"{which}.jsonl"), "w") as f:
        f.write(otlp_json(exporter.get_finished_spans()) + "\n")


def main():
    which, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    truth = os.path.join(out, f"{which}.served")  # not .jsonl: no llmcost input
    open(truth, "w").close()
    proc, port = start_server(truth)
    try:
        if which == "litellm":
            run_litellm(out, port)
        else:
            run_otel(out, port, which)
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()

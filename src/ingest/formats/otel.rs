//! OpenTelemetry GenAI spans as OTLP JSON (`{"resourceSpans": [{"scopeSpans": [{"spans":
//! [...]}]}]}`, one export per line, as the file exporter and collectors write it). A span is
//! a call when it carries a GenAI model or usage attribute. Attribute names follow the
//! semantic conventions, legacy names included: `gen_ai.provider.name` or `gen_ai.system`,
//! `gen_ai.response.model` (served) or `gen_ai.request.model`, `gen_ai.usage.input_tokens`
//! or `.prompt_tokens` (INCLUDING cached tokens, per the conventions), `.output_tokens` or
//! `.completion_tokens`, `gen_ai.usage.cache_read.input_tokens` and
//! `.cache_creation.input_tokens` (OpenLLMetry's older `cache_read_input_tokens`,
//! `cache_creation_input_tokens` too), reasoning from OpenLLMetry's
//! `gen_ai.usage.reasoning_tokens`. The resource's `deployment.environment.name` (or the
//! older `deployment.environment`) is the environment. The trace is the job; `error.type` or an ERROR status
//! marks a failure.

use serde_json::Value;

use crate::ingest::dialect::{Dialect, LineParser, Owned};
use crate::ingest::record::{Field, RawRecord, Scalar};
use crate::ingest::usage::{set_num, set_text};

pub const DIALECT: Dialect = Dialect {
    name: "otel",
    about: "OpenTelemetry GenAI spans, OTLP JSON (gen_ai.* attributes, legacy names too; input_tokens \
            include cached tokens); trace = job, error.type or ERROR status = failure",
    recognises,
    looks_for: "resourceSpans",
    parser: || Box::new(Parser),
};

fn recognises(v: &Value) -> bool {
    v.get("resourceSpans").is_some_and(Value::is_array)
}

pub struct Parser;

impl LineParser for Parser {
    fn parse(&mut self, line: &Value, out: &mut Vec<Owned>) -> Result<(), String> {
        for resource in line["resourceSpans"].as_array().into_iter().flatten() {
            let res = &resource["resource"]["attributes"];
            let service = attr(res, &["service.name"]).and_then(as_text);
            // `deployment.environment.name` since semantic conventions 1.27, `deployment.environment` before.
            let env = attr(res, &["deployment.environment.name", "deployment.environment"]).and_then(as_text);
            for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
                for span in scope["spans"].as_array().into_iter().flatten() {
                    if let Some(mut rec) = call(span, service.as_deref())? {
                        if let Some(env) = env.as_deref().filter(|e| !e.is_empty()) {
                            set_text(&mut rec, Field::Environment, env);
                        }
                        out.push(rec);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The value of the first of `keys` present in an OTLP attribute list.
fn attr<'v>(attrs: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    let list = attrs.as_array()?;
    keys.iter().find_map(|k| list.iter().find(|a| a["key"] == *k).map(|a| &a["value"]))
}

fn as_text(v: &Value) -> Option<String> {
    v.get("stringValue").and_then(Value::as_str).map(str::to_string)
}

/// OTLP JSON writes 64-bit integers as strings.
fn as_num(v: &Value) -> Option<u64> {
    let i = v.get("intValue")?;
    i.as_u64().or_else(|| i.as_str()?.parse().ok())
}

fn call(span: &Value, service: Option<&str>) -> Result<Option<Owned>, String> {
    let a = &span["attributes"];
    let num = |keys: &[&str]| attr(a, keys).and_then(as_num);
    let text = |keys: &[&str]| attr(a, keys).and_then(as_text);
    let Some(model) = text(&["gen_ai.response.model", "gen_ai.request.model"]) else {
        return Ok(None);
    };
    let input = num(&["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"]);
    let output = num(&["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"]);
    let mut rec = RawRecord::new(0);
    set_num(&mut rec, Field::InputTokens, input.unwrap_or(0));
    set_num(&mut rec, Field::OutputTokens, output.unwrap_or(0));
    // The dotted cache names are the conventions'; OpenLLMetry wrote them with underscores
    // before opentelemetry-semantic-conventions-ai 0.5.0.
    let read = num(&["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens"]);
    let write =
        num(&["gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"]);
    set_num(&mut rec, Field::CacheReadTokens, read.unwrap_or(0));
    set_num(&mut rec, Field::CacheWriteTokens, write.unwrap_or(0));
    // OpenLLMetry's name (`SpanAttributes.GEN_AI_USAGE_REASONING_TOKENS`), then its older one.
    if let Some(r) = num(&["gen_ai.usage.reasoning_tokens", "llm.usage.reasoning_tokens"]) {
        set_num(&mut rec, Field::ReasoningTokens, r);
    }
    set_text(&mut rec, Field::Model, &model);
    let start = span["startTimeUnixNano"]
        .as_str()
        .and_then(|s| s.parse::<u64>().ok())
        .or_else(|| span["startTimeUnixNano"].as_u64());
    let start = start.ok_or("span has no startTimeUnixNano")?;
    set_num(&mut rec, Field::Timestamp, start / 1_000_000);
    let error = text(&["error.type"]);
    let failed = error.is_some()
        || span["status"]["code"].as_u64() == Some(2)
        || span["status"]["code"] == "STATUS_CODE_ERROR";
    set_text(&mut rec, Field::Status, if failed { "error" } else { "ok" });
    let pairs = [
        (Field::Provider, text(&["gen_ai.provider.name", "gen_ai.system"])),
        (Field::RequestedModel, text(&["gen_ai.request.model"])),
        (Field::ErrorType, error),
        (Field::JobId, span["traceId"].as_str().map(str::to_string)),
        (Field::RequestId, span["spanId"].as_str().map(str::to_string)),
        (
            Field::Route,
            text(&["gen_ai.operation.name"]).map(|op| service.map_or(op.clone(), |s| format!("{s}/{op}"))),
        ),
    ];
    for (field, value) in pairs {
        if let Some(v) = value {
            set_text(&mut rec, field, &v);
        }
    }
    if let Some(reason) = attr(a, &["gen_ai.response.finish_reasons"])
        .and_then(|v| v["arrayValue"]["values"][0]["stringValue"].as_str())
    {
        set_text(&mut rec, Field::FinishReason, reason);
    }
    if let Some(ms) = span["endTimeUnixNano"].as_str().and_then(|s| s.parse::<u64>().ok()) {
        rec.set(Field::LatencyMs, Some(Scalar::Float((ms.saturating_sub(start)) as f64 / 1e6)));
    }
    Ok(Some(rec))
}

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
    // OTLP JSON writes nanoseconds as strings; some exporters write numbers: read both, as
    // for the start.
    let end = span["endTimeUnixNano"]
        .as_str()
        .and_then(|s| s.parse::<u64>().ok())
        .or_else(|| span["endTimeUnixNano"].as_u64());
    if let Some(ms) = end {
        rec.set(Field::LatencyMs, Some(Scalar::Float((ms.saturating_sub(start)) as f64 / 1e6)));
    }
    Ok(Some(rec))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::record::int_of as n;
    use crate::ingest::record::str_of as s;

    fn parse(v: Value) -> Vec<Owned> {
        crate::ingest::dialect::parse_with(Parser, &v)
    }

    fn kv(key: &str, value: Value) -> Value {
        let value = match value {
            Value::String(s) => serde_json::json!({"stringValue": s}),
            n => serde_json::json!({"intValue": n}),
        };
        serde_json::json!({"key": key, "value": value})
    }

    /// One export holding `spans` under one resource with the attributes `resource`.
    fn export(resource: Vec<Value>, spans: Vec<Value>) -> Value {
        serde_json::json!({"resourceSpans": [{"resource": {"attributes": resource},
            "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.openai"}, "spans": spans}]}]})
    }

    fn span(attrs: Vec<Value>, status: Value) -> Value {
        serde_json::json!({"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "chat gpt-4o",
            "startTimeUnixNano": "1772359200000000000", "endTimeUnixNano": "1772359201250000000",
            "attributes": attrs, "status": status})
    }

    #[test]
    fn input_tokens_include_cached_and_the_served_model_wins() {
        // input 4000 already holds the 3000 cache reads (and 500 writes): the prompt is 4000.
        // Asked for gpt-4o, served gpt-4o-2024-08-06: the model is the served one.
        // OTLP JSON writes 64-bit ints as strings ("4000"), or as numbers: both are read.
        let attrs = vec![
            kv("gen_ai.operation.name", "chat".into()),
            kv("gen_ai.provider.name", "openai".into()),
            kv("gen_ai.request.model", "gpt-4o".into()),
            kv("gen_ai.response.model", "gpt-4o-2024-08-06".into()),
            serde_json::json!({"key": "gen_ai.usage.input_tokens", "value": {"intValue": "4000"}}),
            serde_json::json!({"key": "gen_ai.usage.output_tokens", "value": {"intValue": 120}}),
            serde_json::json!({"key": "gen_ai.usage.cache_read.input_tokens", "value": {"intValue": "3000"}}),
            serde_json::json!({"key": "gen_ai.usage.cache_creation.input_tokens", "value": {"intValue": 500}}),
            serde_json::json!({"key": "gen_ai.usage.reasoning_tokens", "value": {"intValue": 64}}),
            serde_json::json!({"key": "gen_ai.response.finish_reasons", "value": {"arrayValue": {"values": [{"stringValue": "stop"}]}}}),
        ];
        let resource =
            vec![kv("service.name", "support-bot".into()), kv("deployment.environment.name", "prod".into())];
        let out = parse(export(resource, vec![span(attrs, serde_json::json!({}))]));
        assert_eq!(out.len(), 1);
        let rec = &out[0];
        assert_eq!(
            (n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens), n(rec, Field::CacheWriteTokens)),
            (4000, 3000, 500)
        );
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)), (120, 64));
        assert_eq!((s(rec, Field::Model), s(rec, Field::RequestedModel)), ("gpt-4o-2024-08-06", "gpt-4o"));
        assert_eq!((s(rec, Field::Provider), s(rec, Field::Status)), ("openai", "ok"));
        // 1772359200000000000 ns = 1772359200000 ms; it ended 1.25 s later.
        assert_eq!(n(rec, Field::Timestamp), 1772359200000);
        assert_eq!(rec.get(Field::LatencyMs), Some(&Scalar::Float(1250.0)));
        assert_eq!(
            (s(rec, Field::JobId), s(rec, Field::RequestId)),
            ("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174")
        );
        assert_eq!((s(rec, Field::Route), s(rec, Field::Environment)), ("support-bot/chat", "prod"));
        assert_eq!(s(rec, Field::FinishReason), "stop");
    }

    #[test]
    fn legacy_names_read_the_same() {
        // gen_ai.system, prompt/completion_tokens, OpenLLMetry's underscored cache names and
        // the older deployment.environment: 900 prompt incl. 600 read + 100 written.
        // Only the request model is given, so it is the model.
        let attrs = vec![
            kv("gen_ai.system", "anthropic".into()),
            kv("gen_ai.request.model", "claude-3-5-sonnet-20241022".into()),
            kv("gen_ai.usage.prompt_tokens", 900.into()),
            kv("gen_ai.usage.completion_tokens", 40.into()),
            kv("gen_ai.usage.cache_read_input_tokens", 600.into()),
            kv("gen_ai.usage.cache_creation_input_tokens", 100.into()),
            kv("llm.usage.reasoning_tokens", 0.into()),
        ];
        let rec = &parse(export(
            vec![kv("deployment.environment", "staging".into())],
            vec![span(attrs, Value::Null)],
        ))[0];
        assert_eq!(
            (n(rec, Field::InputTokens), n(rec, Field::CacheReadTokens), n(rec, Field::CacheWriteTokens)),
            (900, 600, 100)
        );
        assert_eq!((n(rec, Field::OutputTokens), n(rec, Field::ReasoningTokens)), (40, 0));
        assert_eq!(
            (s(rec, Field::Model), s(rec, Field::RequestedModel)),
            ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet-20241022")
        );
        assert_eq!((s(rec, Field::Provider), s(rec, Field::Environment)), ("anthropic", "staging"));
        assert_eq!(rec.get(Field::Route), None, "no operation name: no route");
    }

    #[test]
    fn error_type_or_an_error_status_is_a_failure_and_other_spans_are_no_calls() {
        let model = || kv("gen_ai.request.model", "gpt-4o".into());
        let with_error_type = span(vec![model(), kv("error.type", "timeout".into())], serde_json::json!({}));
        let coded = span(vec![model()], serde_json::json!({"code": 2, "message": "boom"}));
        let named = span(vec![model()], serde_json::json!({"code": "STATUS_CODE_ERROR"}));
        let ok = span(vec![model()], serde_json::json!({"code": 1}));
        let http = span(vec![kv("http.method", "POST".into())], serde_json::json!({}));
        let out = parse(export(vec![], vec![with_error_type, coded, named, ok, http]));
        assert_eq!(out.len(), 4, "a span with no GenAI model is not a call");
        let statuses: Vec<&str> = out.iter().map(|r| s(r, Field::Status)).collect();
        assert_eq!(statuses, ["error", "error", "error", "ok"]);
        assert_eq!(s(&out[0], Field::ErrorType), "timeout");
        assert_eq!(out[1].get(Field::ErrorType), None);
        // A failed call without usage counts 0 tokens.
        assert_eq!((n(&out[0], Field::InputTokens), n(&out[0], Field::OutputTokens)), (0, 0));
    }

    #[test]
    fn span_times_written_as_numbers_give_the_latency_too() {
        let mut sp = span(vec![kv("gen_ai.request.model", "gpt-4o".into())], serde_json::json!({}));
        sp["startTimeUnixNano"] = serde_json::json!(1772359200000000000u64);
        sp["endTimeUnixNano"] = serde_json::json!(1772359200500000000u64);
        let rec = &parse(export(vec![], vec![sp]))[0];
        assert_eq!(n(rec, Field::Timestamp), 1772359200000);
        // Ended 0.5 s after it started: 500 ms.
        assert_eq!(rec.get(Field::LatencyMs), Some(&Scalar::Float(500.0)));
    }
}

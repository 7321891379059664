//! Whole-document JSON inputs: what an API listing returns when saved with `curl > file.json`
//! — an array of records, or a page `{"data": [...], ...}` — pretty-printed over many lines, so
//! it cannot be read line by line. The document is parsed once; each item keeps the line it
//! starts on, so a rejected item is reported at its real line. API pages also come one per
//! line; `page_items` tells a page from a record wherever it appears.

use serde_json::value::RawValue;
use serde_json::Value;

/// How many lines of a file's head are looked at: to tell its format, or JSON lines from a
/// document.
pub const SNIFF_LINES: usize = 50;

/// What an API page carries beside its `data`.
pub const PAGE_KEYS: &[&str] =
    &["object", "has_more", "next_page", "first_id", "last_id", "meta", "error", "total", "page", "limit"];

/// The records of an API page: an object whose `data` is an array of objects and whose other
/// keys are page metadata (a record that merely has a `data` list is not a page).
pub fn page_items(v: &Value) -> Option<&Vec<Value>> {
    let object = v.as_object()?;
    let items = object.get("data")?.as_array()?;
    let only_page_keys = object.keys().all(|k| k == "data" || PAGE_KEYS.contains(&k.as_str()));
    (only_page_keys && items.iter().all(Value::is_object)).then_some(items)
}

/// One record of a document: where its text is and the line it starts on.
#[derive(Debug)]
pub struct Item {
    /// Byte range of the item's JSON text in the document.
    pub span: std::ops::Range<usize>,
    /// 1-based line of the item's first character.
    pub line: u64,
}

/// A parsed document: its text and its items.
#[derive(Debug)]
pub struct Document {
    pub text: Vec<u8>,
    pub items: Vec<Item>,
}

impl Document {
    pub fn text_of(&self, item: &Item) -> &[u8] {
        &self.text[item.span.clone()]
    }

    /// An item as a JSON value.
    pub fn value_of(&self, item: &Item) -> Result<Value, String> {
        if super::limits::too_deep(self.text_of(item)) {
            return Err(super::limits::too_deep_reason());
        }
        serde_json::from_slice(self.text_of(item)).map_err(|e| format!("invalid JSON: {e}"))
    }
}

/// Whether `head` (a file's first bytes) opens a JSON document rather than JSON lines: an
/// array, or an object that does not close on its first line.
pub fn looks_like_document(head: &[u8]) -> bool {
    let text = content(head);
    match text.first() {
        // An array alone on its first line with more lines after it is a JSON-lines file whose
        // first line is wrong (`[]`), not a document: its good lines must not be lost.
        Some(b'[') => match memchr::memchr(b'\n', text) {
            Some(end) if serde_json::from_slice::<serde::de::IgnoredAny>(&text[..end]).is_ok() => {
                content(&text[end..]).is_empty()
            }
            _ => true,
        },
        // A first line longer than the head is a long JSON line, not a document to load whole.
        Some(b'{') => match memchr::memchr(b'\n', text) {
            None => false,
            Some(end) => serde_json::from_slice::<serde::de::IgnoredAny>(&text[..end]).is_err(),
        },
        _ => false,
    }
}

/// The text from its first character on: past a UTF-8 byte-order mark and leading blanks.
fn content(text: &[u8]) -> &[u8] {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    &text[text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len())..]
}

/// Text that is not a JSON document, handed back with why.
#[derive(Debug)]
pub struct Unparsed {
    pub reason: String,
    pub text: Vec<u8>,
}

/// Parses a document into its items. The error says where the document is broken.
pub fn parse(text: Vec<u8>) -> Result<Document, Unparsed> {
    match spans(&text) {
        Ok(spans) => Ok(Document { items: items(&text, spans), text }),
        Err(reason) => Err(Unparsed { reason, text }),
    }
}

/// Whether the text opens with `[` (after a byte-order mark and blanks): an array is a
/// document, never JSON lines.
pub fn opens_array(text: &[u8]) -> bool {
    content(text).first() == Some(&b'[')
}

/// Whether some of the first lines are JSON objects on their own: text that is no document
/// but JSON lines, some of them broken.
pub fn has_json_lines(text: &[u8]) -> bool {
    text.split(|&b| b == b'\n').take(SNIFF_LINES).any(|line| {
        line.trim_ascii().starts_with(b"{") && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
    })
}

/// Each item's (offset, length) in `text`: the elements of an array, the records of an API
/// page (`data` beside page metadata only), else the one object the document is.
fn spans(text: &[u8]) -> Result<Vec<(usize, usize)>, String> {
    let s = std::str::from_utf8(text).map_err(|e| format!("not UTF-8: {e}"))?;
    let body = s.trim_start_matches('\u{feff}');
    let invalid = |e: serde_json::Error| format!("invalid JSON document: {e}");
    let raw: Vec<&RawValue> = if body.trim_start().starts_with('[') {
        serde_json::from_str(body).map_err(invalid)?
    } else {
        let fields: std::collections::HashMap<String, &RawValue> =
            serde_json::from_str(body).map_err(invalid)?;
        let is_page = fields.keys().all(|k| k == "data" || PAGE_KEYS.contains(&k.as_str()));
        match fields.get("data").filter(|d| is_page && d.get().starts_with('[')) {
            Some(data) => serde_json::from_str(data.get()).map_err(invalid)?,
            None => vec![serde_json::from_str::<&RawValue>(body).map_err(invalid)?],
        }
    };
    let base = s.as_ptr() as usize;
    Ok(raw.iter().map(|r| (r.get().as_ptr() as usize - base, r.get().len())).collect())
}

/// Items with the line each starts on.
fn items(text: &[u8], spans: Vec<(usize, usize)>) -> Vec<Item> {
    let mut items = Vec::with_capacity(spans.len());
    let (mut line, mut counted_to) = (1u64, 0usize);
    for (start, len) in spans {
        line += memchr::memchr_iter(b'\n', &text[counted_to..start]).count() as u64;
        counted_to = start;
        items.push(Item { span: start..start + len, line });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_the_line_they_start_on() {
        let doc = "{\n  \"object\": \"page\",\n  \"data\": [\n    {\"a\": 1},\n    {\n      \"b\": 2\n    }\n  ],\n  \"has_more\": false\n}\n";
        assert!(looks_like_document(doc.as_bytes()));
        let parsed = parse(doc.as_bytes().to_vec()).unwrap();
        let lines: Vec<u64> = parsed.items.iter().map(|i| i.line).collect();
        assert_eq!(lines, [4, 5]);
        assert_eq!(parsed.value_of(&parsed.items[1]).unwrap()["b"], 2);
    }

    #[test]
    fn arrays_and_lines_told_apart() {
        assert!(looks_like_document(b"  [{\"a\":1},\n{\"a\":2}]"));
        assert!(!looks_like_document(b"{\"a\":1}\n{\"a\":2}\n"));
        assert!(!looks_like_document(b"timestamp,model\n"));
        assert!(
            !looks_like_document(b"{\"a\": \"a line longer than the head"),
            "no newline in the head: JSONL"
        );
        let parsed = parse(b"[{\"a\":1},\n{\"a\":2}]".to_vec()).unwrap();
        assert_eq!(parsed.items.iter().map(|i| i.line).collect::<Vec<_>>(), [1, 2]);
        // A single pretty-printed record is a document of one item.
        let one = parse(b"{\n  \"type\": \"message\"\n}".to_vec()).unwrap();
        assert_eq!(one.items.len(), 1);
        // A record with a `data` field of its own is a record, not a page.
        let record = parse(b"{\n  \"model\": \"m\",\n  \"data\": [{\"x\": 1}]\n}".to_vec()).unwrap();
        assert_eq!(record.items.len(), 1);
        let odd = parse(b"{\n  \"data\": {\"x\": 1}\n}".to_vec()).unwrap();
        assert_eq!(odd.items.len(), 1);
        assert!(parse(b"{\n  \"data\": [],\n  \"has_more\": false\n}".to_vec()).unwrap().items.is_empty());
    }

    #[test]
    fn broken_documents_say_where_and_why() {
        let err = parse(b"[\n{\"a\":1},\n{\"a\":}\n]".to_vec()).err().unwrap().reason;
        assert!(err.contains("line 3"), "{err}");
        // A pretty-printed page with a typo is a broken document, not JSON lines.
        let broken = b"{\n  \"data\": [\n    {\"a\": 1,}\n  ]\n}\n".to_vec();
        assert!(!has_json_lines(&parse(broken).err().unwrap().text));
        // JSON lines whose first line is cut short are JSON lines.
        assert!(has_json_lines(b"{\"a\":\n{\"a\":1}\n"));
    }
}

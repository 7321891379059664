//! What differs between the SQL engines `llmcost sql` writes for: quoting, the exact integer
//! type money is counted in, date and integer arithmetic, and how JSON is built, with the
//! money and time expressions every part of the statement shares (`exact`, `share`,
//! `components`, `rfc3339`). Everything else in the generated script is plain SQL every
//! engine reads alike.
//!
//! Money is an integer of 1e-18 USD (attodollars), as in `money.rs`: a rate of 1e-12 USD per
//! million tokens times a token count lands exactly on it, so no engine ever rounds a cost.
//! The integer type per engine (README "Scaling out" repeats this table):
//!
//! | dialect | money type | why |
//! |---|---|---|
//! | duckdb | `HUGEINT` (128-bit) | exact, overflow is an error |
//! | postgres | `NUMERIC` (arbitrary precision, scale 0) | exact, never overflows |
//! | spark | `DECIMAL(38, 0)` | the widest decimal; overflow is null, or an error under ANSI mode |
//! | bigquery | `BIGNUMERIC` (76 digits) | `NUMERIC` has only 29 integer digits |
//! | snowflake | `NUMBER(38, 0)` | the widest number; overflow is an error |

use crate::time::MS_PER_DAY;

/// An engine the script is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    Duckdb,
    Postgres,
    Spark,
    Bigquery,
    Snowflake,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Duckdb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
            Dialect::Bigquery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// A quoted identifier; `table` may be dotted (`db.schema.calls`), each part quoted.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::Bigquery => format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    pub fn table(self, name: &str) -> String {
        name.split('.').map(|part| self.ident(part)).collect::<Vec<_>>().join(".")
    }

    /// A string literal holding exactly `text`. DuckDB and Postgres (with the default
    /// standard_conforming_strings) read backslashes literally and a quote doubled; Spark,
    /// BigQuery and Snowflake read backslash escapes, so every backslash, quote and control
    /// character is escaped there.
    pub fn string(self, text: &str) -> String {
        match self {
            Dialect::Duckdb | Dialect::Postgres => format!("'{}'", text.replace('\'', "''")),
            Dialect::Spark | Dialect::Bigquery | Dialect::Snowflake => {
                let mut out = String::with_capacity(text.len() + 2);
                out.push('\'');
                for c in text.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("\\'"),
                        '"' => out.push_str("\\\""),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        c if (c as u32) < 0x20 || c == '\u{7f}' => {
                            out.push_str(&format!("\\u{:04x}", c as u32))
                        }
                        c => out.push(c),
                    }
                }
                out.push('\'');
                out
            }
        }
    }

    /// The exact integer type costs and rates are held in.
    pub fn money_type(self) -> &'static str {
        match self {
            Dialect::Duckdb => "HUGEINT",
            Dialect::Postgres => "NUMERIC",
            Dialect::Spark => "DECIMAL(38, 0)",
            Dialect::Bigquery => "BIGNUMERIC",
            Dialect::Snowflake => "NUMBER(38, 0)",
        }
    }

    pub fn int_type(self) -> &'static str {
        match self {
            Dialect::Bigquery => "INT64",
            _ => "BIGINT",
        }
    }

    pub fn text_type(self) -> &'static str {
        match self {
            Dialect::Duckdb | Dialect::Snowflake => "VARCHAR",
            Dialect::Postgres => "TEXT",
            Dialect::Spark | Dialect::Bigquery => "STRING",
        }
    }

    pub fn double_type(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::Bigquery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// An exact integer constant (rates reach 10^21, beyond 64 bits).
    pub fn money(self, value: i128) -> String {
        format!("CAST({} AS {})", self.string(&value.to_string()), self.money_type())
    }

    pub fn to_money(self, expr: &str) -> String {
        format!("CAST({expr} AS {})", self.money_type())
    }

    pub fn to_text(self, expr: &str) -> String {
        format!("CAST({expr} AS {})", self.text_type())
    }

    /// Milliseconds since the epoch of a timestamp column (TIMESTAMP, read as UTC, or
    /// TIMESTAMPTZ).
    pub fn epoch_ms(self, expr: &str) -> String {
        match self {
            Dialect::Duckdb => format!("epoch_ms({expr})"),
            Dialect::Postgres => format!("CAST(floor(extract(epoch FROM {expr}) * 1000) AS BIGINT)"),
            Dialect::Spark => format!("unix_millis({expr})"),
            Dialect::Bigquery => format!("UNIX_MILLIS({expr})"),
            Dialect::Snowflake => format!("DATE_PART(epoch_millisecond, {expr})"),
        }
    }

    /// Floor division of non-negative integers.
    pub fn div(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Duckdb => format!("(({a}) // ({b}))"),
            Dialect::Postgres => format!("div({a}, {b})"),
            Dialect::Bigquery => format!("DIV({a}, {b})"),
            // Decimal division keeps only some places: divide an exact multiple instead.
            Dialect::Spark | Dialect::Snowflake => {
                format!("CAST((({a}) - {}) / ({b}) AS {})", self.modulo(a, b), self.money_type())
            }
        }
    }

    pub fn modulo(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Duckdb | Dialect::Spark => format!("(({a}) % ({b}))"),
            _ => format!("MOD({a}, {b})"),
        }
    }

    /// `YYYY-MM-DD` of a day number (days since 1970-01-01).
    pub fn date_text(self, days: &str) -> String {
        match self {
            Dialect::Duckdb => format!("CAST(DATE '1970-01-01' + CAST({days} AS INTEGER) AS VARCHAR)"),
            Dialect::Postgres => {
                format!("to_char(DATE '1970-01-01' + CAST({days} AS INTEGER), 'YYYY-MM-DD')")
            }
            Dialect::Spark => format!("CAST(date_from_unix_date(CAST({days} AS INT)) AS STRING)"),
            Dialect::Bigquery => {
                format!("FORMAT_DATE('%F', DATE_ADD(DATE '1970-01-01', INTERVAL {days} DAY))")
            }
            Dialect::Snowflake => {
                format!("TO_VARCHAR(DATEADD(day, {days}, '1970-01-01'::DATE), 'YYYY-MM-DD')")
            }
        }
    }

    /// A left-padded number: `lpad(7, 2)` = `07`.
    pub fn lpad(self, expr: &str, width: usize) -> String {
        format!("LPAD({}, {width}, '0')", self.to_text(expr))
    }

    /// `text` without its trailing zeros.
    pub fn rtrim_zeros(self, text: &str) -> String {
        match self {
            Dialect::Spark => format!("TRIM(TRAILING '0' FROM {text})"),
            _ => format!("RTRIM({text}, '0')"),
        }
    }

    /// ASCII-only lower case, as Rust's `to_ascii_lowercase` (SQL `lower` folds all of Unicode).
    pub fn ascii_lower(self, expr: &str) -> String {
        format!("TRANSLATE({expr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
    }

    /// What follows the last `/` (the whole text when there is none).
    pub fn after_last_slash(self, expr: &str) -> String {
        match self {
            Dialect::Spark => format!("substring_index({expr}, '/', -1)"),
            Dialect::Bigquery => format!("ARRAY_REVERSE(SPLIT({expr}, '/'))[OFFSET(0)]"),
            _ => format!("REVERSE(SPLIT_PART(REVERSE({expr}), '/', 1))"),
        }
    }

    /// Whether `expr` matches the regular expression `re` as a whole (`.` matching newlines).
    pub fn full_match(self, expr: &str, re: &str) -> String {
        match self {
            Dialect::Duckdb => format!("regexp_full_match({expr}, {})", self.string(&format!("(?s){re}"))),
            Dialect::Postgres => format!("({expr} ~ {})", self.string(&format!("^(?:{re})$"))),
            Dialect::Spark => format!("({expr} RLIKE {})", self.string(&format!("(?s)^(?:{re})$"))),
            Dialect::Bigquery => {
                format!("REGEXP_CONTAINS({expr}, {})", self.string(&format!("(?s)^(?:{re})$")))
            }
            Dialect::Snowflake => format!("RLIKE({expr}, {}, 's')", self.string(re)),
        }
    }

    /// Null-safe equality.
    pub fn same(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Spark => format!("({a} <=> {b})"),
            _ => format!("({a} IS NOT DISTINCT FROM {b})"),
        }
    }

    /// Byte-order comparison of text, as Rust orders strings.
    pub fn binary_order(self, expr: &str) -> String {
        match self {
            Dialect::Postgres => format!("{expr} COLLATE \"C\""),
            _ => expr.to_string(),
        }
    }

    /// The CTE keyword that makes the engine compute a CTE once however often it is read
    /// (DuckDB 1.1 inlines it into every reader otherwise: 17× slower on the sample with
    /// the Pareto section's 48 readers; Postgres 12+ materialises one read twice anyway).
    pub fn materialized(self) -> &'static str {
        match self {
            Dialect::Duckdb | Dialect::Postgres => "MATERIALIZED ",
            _ => "",
        }
    }

    /// Whether a JSON object may leave a key out on some rows (Spark's structs must agree).
    pub fn optional_keys(self) -> bool {
        self != Dialect::Spark
    }

    /// A JSON object (an engine value, nested as is) from `(key, value)` pairs.
    pub fn object(self, pairs: &[(&str, String)]) -> String {
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| match self {
                Dialect::Spark => format!("{v} AS {}", self.ident(k)),
                _ => format!("{}, {v}", self.string(k)),
            })
            .collect();
        let f = match self {
            Dialect::Duckdb => "json_object",
            Dialect::Postgres => "json_build_object",
            Dialect::Spark => "struct",
            Dialect::Bigquery => "JSON_OBJECT",
            Dialect::Snowflake => "OBJECT_CONSTRUCT_KEEP_NULL",
        };
        format!("{f}({})", body.join(", "))
    }

    /// A JSON array of the given values.
    pub fn array(self, items: &[String]) -> String {
        let f = match self {
            Dialect::Duckdb => "json_array",
            Dialect::Postgres => "json_build_array",
            Dialect::Spark => "array",
            Dialect::Bigquery => "JSON_ARRAY",
            Dialect::Snowflake => "ARRAY_CONSTRUCT",
        };
        format!("{f}({})", items.join(", "))
    }

    /// A JSON number written with exactly the digits of `text` (a decimal string).
    pub fn number(self, text: &str) -> String {
        match self {
            Dialect::Duckdb => format!("CAST({text} AS JSON)"),
            Dialect::Postgres => format!("CAST({text} AS NUMERIC)"),
            Dialect::Spark => format!("CAST({text} AS DECIMAL(38, 18))"),
            Dialect::Bigquery => format!("PARSE_JSON({text}, wide_number_mode => 'round')"),
            Dialect::Snowflake => format!("TO_NUMBER({text}, 38, 18)"),
        }
    }

    /// An integer as a JSON number.
    pub fn integer(self, expr: &str) -> String {
        match self {
            // DuckDB writes a HUGEINT into JSON as a float.
            Dialect::Duckdb => format!("CAST({expr} AS UBIGINT)"),
            Dialect::Bigquery => format!("CAST({expr} AS INT64)"),
            _ => expr.to_string(),
        }
    }

    /// The JSON array of `text` (each row's JSON as text) over a group's rows in `order` (an
    /// ascending integer), as text; `[]` for no rows.
    pub fn text_array_agg(self, text: &str, order: &str) -> String {
        let joined = match self {
            Dialect::Duckdb | Dialect::Postgres | Dialect::Bigquery => {
                format!("STRING_AGG({text}, ',' ORDER BY {order})")
            }
            Dialect::Spark => format!(
                "concat_ws(',', transform(array_sort(collect_list(struct({order} AS o, {text} AS v))), e -> e.v))"
            ),
            Dialect::Snowflake => format!("LISTAGG({text}, ',') WITHIN GROUP (ORDER BY {order})"),
        };
        format!("COALESCE('[' || {joined} || ']', '[]')")
    }

    /// The JSON array of `value` over a group's rows in `order` (an ascending integer), as
    /// text; `[]` for no rows.
    pub fn array_agg_text(self, value: &str, order: &str) -> String {
        match self {
            Dialect::Duckdb => {
                format!("COALESCE(CAST(to_json(list({value} ORDER BY {order})) AS VARCHAR), '[]')")
            }
            Dialect::Postgres => format!("COALESCE(CAST(json_agg({value} ORDER BY {order}) AS TEXT), '[]')"),
            Dialect::Spark => format!(
                "to_json(transform(array_sort(collect_list(struct({order} AS o, {value} AS v))), e -> e.v), \
                 map('ignoreNullFields', 'false'))"
            ),
            Dialect::Bigquery => {
                format!("COALESCE(TO_JSON_STRING(ARRAY_AGG({value} ORDER BY {order})), '[]')")
            }
            Dialect::Snowflake => format!("TO_JSON(ARRAY_AGG({value}) WITHIN GROUP (ORDER BY {order}))"),
        }
    }

    /// A JSON value as text.
    pub fn json_text(self, value: &str) -> String {
        match self {
            Dialect::Duckdb => format!("CAST({value} AS VARCHAR)"),
            Dialect::Postgres => format!("CAST({value} AS TEXT)"),
            Dialect::Spark => format!("to_json({value}, map('ignoreNullFields', 'false'))"),
            Dialect::Bigquery => format!("TO_JSON_STRING({value})"),
            Dialect::Snowflake => format!("TO_JSON({value})"),
        }
    }

    /// A table of constant rows, each value already an SQL expression.
    pub fn values(self, columns: &[&str], rows: &[Vec<String>]) -> String {
        match self {
            // BigQuery has no VALUES list: one SELECT per row.
            Dialect::Bigquery => rows
                .iter()
                .map(|r| {
                    let cells: Vec<String> =
                        r.iter().zip(columns).map(|(v, c)| format!("{v} AS {}", self.ident(c))).collect();
                    format!("SELECT {}", cells.join(", "))
                })
                .collect::<Vec<_>>()
                .join("\n  UNION ALL "),
            _ => {
                let names: Vec<String> = columns.iter().map(|c| self.ident(c)).collect();
                let body: Vec<String> = rows.iter().map(|r| format!("({})", r.join(", "))).collect();
                format!("SELECT * FROM (VALUES\n    {}\n  ) AS v({})", body.join(",\n    "), names.join(", "))
            }
        }
    }
}

/// 1e18: money is carried as integers of 1e-18 USD.
const ATTO_PER_USD: &str = "1000000000000000000";

/// An integer of 1e-18 USD as exact decimal text.
pub(super) fn exact(d: Dialect, atto: &str) -> String {
    let frac = d.modulo(atto, ATTO_PER_USD);
    format!(
        "({} || CASE WHEN {frac} = 0 THEN '' ELSE '.' || {} END)",
        d.to_text(&d.div(atto, ATTO_PER_USD)),
        d.rtrim_zeros(&d.lpad(&frac, 18))
    )
}

/// An integer of 1e-18 USD that may be negative as exact decimal text (`-` then `exact`).
pub(super) fn signed_exact(d: Dialect, atto: &str) -> String {
    format!(
        "(CASE WHEN {atto} < 0 THEN '-' || {} ELSE {} END)",
        exact(d, &format!("(-({atto}))")),
        exact(d, atto)
    )
}

/// `cost / total` as a double (0 when the total is 0).
pub(super) fn share(d: Dialect, cost: &str, total: &str) -> String {
    let f = d.double_type();
    format!("CASE WHEN {total} = 0 THEN 0 ELSE CAST({cost} AS {f}) / CAST({total} AS {f}) END")
}

/// Token amounts of a call by how they are priced, as SQL expressions.
pub(super) struct Tokens {
    pub uncached: String,
    pub cache_read: String,
    pub write_5m: String,
    pub write_1h: String,
    pub output: String,
}

impl Tokens {
    /// The columns of a priced call `c` (`llm_costed` or one of its inputs).
    pub(super) fn of(c: &str) -> Tokens {
        Tokens {
            uncached: format!("{c}.t_input - {c}.t_cache_read - {c}.t_cache_write"),
            cache_read: format!("{c}.t_cache_read"),
            write_5m: format!("{c}.t_cache_write - {c}.t_cache_write_1h"),
            write_1h: format!("{c}.t_cache_write_1h"),
            output: format!("{c}.t_output"),
        }
    }
}

/// The parts of a cost at the rates of `llm_rates` row `r`, in attodollars, as
/// `price::components`: (uncached input, cache read, cache writes, output), each part times
/// the batch multiplier of call `c` when it is a batch call, rounded half up (`Money::times`).
pub(super) fn components(d: Dialect, t: &Tokens, r: &str, c: &str) -> [String; 4] {
    let m = |e: &str| d.to_money(e);
    let part = |x: String| batched(d, &x, c);
    [
        part(format!("{} * {r}.r_input", m(&t.uncached))),
        part(format!("{} * {r}.r_cache_read", m(&t.cache_read))),
        part(format!("{} * {r}.r_cache_write + {} * {r}.r_cache_write_1h", m(&t.write_5m), m(&t.write_1h))),
        part(format!("{} * {r}.r_output", m(&t.output))),
    ]
}

/// `x` (attodollars, not negative) times the batch multiplier of call `c` when it is a batch
/// call, rounded half up (`Money::times`).
pub(super) fn batched(d: Dialect, x: &str, c: &str) -> String {
    format!(
        "CASE WHEN {c}.is_batch THEN {} ELSE {x} END",
        d.div(
            &format!("({x}) * {c}.batch_num + {}", d.div(&format!("{c}.batch_den"), "2")),
            &format!("{c}.batch_den")
        )
    )
}

/// RFC 3339 UTC of epoch ms, as `time::rfc3339` (milliseconds only when there are some).
pub(super) fn rfc3339(d: Dialect, ms: &str) -> String {
    let day = d.date_text(&d.div(ms, &MS_PER_DAY.to_string()));
    let hh = d.lpad(&d.div(&d.modulo(ms, "86400000"), "3600000"), 2);
    let mm = d.lpad(&d.div(&d.modulo(ms, "3600000"), "60000"), 2);
    let ss = d.lpad(&d.div(&d.modulo(ms, "60000"), "1000"), 2);
    let frac = d.modulo(ms, "1000");
    format!(
        "({day} || 'T' || {hh} || ':' || {mm} || ':' || {ss} || \
         CASE WHEN {frac} = 0 THEN '' ELSE '.' || {} END || 'Z')",
        d.lpad(&frac, 3)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_cannot_end_a_literal_in_any_dialect() {
        let hostile = "o'neil\\'); DROP TABLE x; --\n\"";
        assert_eq!(Dialect::Duckdb.string(hostile), "'o''neil\\''); DROP TABLE x; --\n\"'");
        assert_eq!(Dialect::Postgres.string("a'b"), "'a''b'");
        // Backslash dialects: the backslash is doubled before the quote is escaped, so `\'`
        // in the text cannot turn into an escaped backslash followed by a closing quote.
        assert_eq!(Dialect::Spark.string(hostile), "'o\\'neil\\\\\\'); DROP TABLE x; --\\n\\\"'");
        assert_eq!(Dialect::Bigquery.string("\u{1}"), "'\\u0001'");
    }

    #[test]
    fn identifiers_are_quoted_per_part() {
        assert_eq!(Dialect::Duckdb.table("db.calls"), "\"db\".\"calls\"");
        assert_eq!(Dialect::Duckdb.ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::Spark.ident("a`b"), "`a``b`");
    }
}

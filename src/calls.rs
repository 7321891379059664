//! `Calls`: the normalised calls of a run, stored column by column. Strings are
//! dictionary-encoded (`u32` ids, 0 = none), so a million calls over twenty routes keep twenty
//! route strings, and every later stage groups by integer id.

use std::borrow::Cow;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rayon::prelude::*;

/// The string-valued attributes of a call, stored dictionary-encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StrCol {
    Provider,
    Model,
    RequestedModel,
    Route,
    Feature,
    User,
    Environment,
    Job,
    Operation,
    Status,
    ErrorType,
    FinishReason,
    PromptHash,
    /// The model name as the log wrote it; `Model` holds the model it resolves to once
    /// `price::resolve_models` has run (see there).
    LoggedModel,
}

impl StrCol {
    pub const ALL: [StrCol; 14] = [
        StrCol::Provider,
        StrCol::Model,
        StrCol::RequestedModel,
        StrCol::Route,
        StrCol::Feature,
        StrCol::User,
        StrCol::Environment,
        StrCol::Job,
        StrCol::Operation,
        StrCol::Status,
        StrCol::ErrorType,
        StrCol::FinishReason,
        StrCol::PromptHash,
        StrCol::LoggedModel,
    ];
    pub const COUNT: usize = Self::ALL.len();
}

/// Token counts of one call; the cache, reasoning and modality classes are subsets (see README):
/// `input_audio` of input (cached audio included), `cache_audio_read` of both cache_read and
/// input_audio, `output_audio` and `output_image` of output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub cache_write_1h: u64,
    pub reasoning: u64,
    pub input_audio: u64,
    pub cache_audio_read: u64,
    pub output_audio: u64,
    pub output_image: u64,
}

impl Tokens {
    /// Shrinks the modality classes to fit their text classes again after a what-if removed
    /// tokens: the text tokens of a class are taken to go first, then its audio or image ones.
    pub fn fit_modalities(&mut self) {
        self.cache_audio_read = self.cache_audio_read.min(self.cache_read);
        let uncached = self.input - self.cache_read - self.cache_write;
        self.input_audio = self.cache_audio_read + (self.input_audio - self.cache_audio_read).min(uncached);
        self.output_audio = self.output_audio.min(self.output);
        self.output_image = self.output_image.min(self.output - self.output_audio);
    }

    /// The modality classes, in the order tables name their rates (`pricing::rate::MODAL_NAMES`).
    pub fn modal(&self) -> [u64; 4] {
        [self.input_audio, self.cache_audio_read, self.output_audio, self.output_image]
    }

    /// Prompt tokens neither cached nor audio: what the text input rate applies to.
    pub fn uncached_text(&self) -> u64 {
        self.input - self.cache_read - self.cache_write - (self.input_audio - self.cache_audio_read)
    }
}

/// One canonical call, borrowing its strings from the record it came from.
#[derive(Debug)]
pub struct Call<'r> {
    pub ts_ms: i64,
    pub strs: [Option<Cow<'r, str>>; StrCol::COUNT],
    pub tokens: Tokens,
    pub attempt: Option<u32>,
    pub http_status: Option<u16>,
    pub max_tokens: Option<u64>,
    pub latency_ms: Option<f64>,
    pub is_error: bool,
    pub batch: bool,
    pub cache_hit: bool,
    pub logged_cost: Option<f64>,
    /// Pre-aggregated usage (a usage-API bucket), not one call.
    pub aggregate: Option<Aggregate>,
}

/// What a pre-aggregated row says about the requests it sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Aggregate {
    /// How many requests it sums, when the source counts them.
    pub requests: Option<u64>,
    /// Whether the requests crossed the model's long-context threshold, when the source says
    /// (summed tokens cannot tell).
    pub long_context: Option<bool>,
}

impl Call<'_> {
    pub fn str(&self, col: StrCol) -> Option<&str> {
        self.strs[col as usize].as_deref()
    }
}

/// Distinct strings of one column; id 0 is reserved for "none". The strings live in one
/// arena and the table holds only ids, so interning allocates nothing per string: a column of
/// a million distinct operation ids costs two vector growths, not two million allocations.
///
/// Dictionaries of parsed chunks are concatenated, not merged, as they arrive (`concat`), and
/// deduplicated once at the end (`dedup`): merging a near-unique column (operation ids,
/// prompt hashes) chunk by chunk into one growing table was a sequential, cache-missing
/// quarter of a run. Until `dedup`, a value may have several ids.
#[derive(Default, Clone)]
pub struct Interner {
    /// Indexes the values interned directly; after `concat` not those appended, and after
    /// `dedup` none until the next `intern` needs it (`unindexed`).
    table: HashTable<u32>,
    /// Hash of each value (index id - 1), kept so growing and merging never rehash; dropped by
    /// `dedup` (a run rarely interns after reading) and computed again when needed
    /// (`rehash`).
    hashes: Vec<u64>,
    /// End offset of each value in `arena`.
    ends: Vec<usize>,
    arena: String,
    hasher: FixedHasher,
    /// Set by `concat`: some values may repeat until `dedup`.
    has_repeats: bool,
    /// Set by `dedup`: the values are unique but `table` is empty. After reading, a run looks
    /// values up only for its few `--filter`s, so a million-entry index would be wasted.
    unindexed: bool,
}

type FixedHasher = std::hash::BuildHasherDefault<rustc_hash::FxHasher>;

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((1..=self.ends.len() as u32).map(|id| value_of(&self.arena, &self.ends, id)))
            .finish()
    }
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if self.unindexed {
            self.index();
        }
        let hash = self.hasher.hash_one(s);
        self.intern_hashed(hash, s)
    }

    fn intern_hashed(&mut self, hash: u64, s: &str) -> u32 {
        let (arena, ends) = (&self.arena, &self.ends);
        let value = |id: u32| value_of(arena, ends, id);
        if let Some(&id) = self.table.find(hash, |&id| value(id) == s) {
            return id;
        }
        self.arena.push_str(s);
        self.ends.push(self.arena.len());
        self.hashes.push(hash);
        let id = self.ends.len() as u32;
        let hashes = &self.hashes;
        self.table.insert_unique(hash, id, |&id| hashes[id as usize - 1]);
        id
    }

    pub fn get(&self, id: u32) -> Option<&str> {
        (id != 0 && id as usize <= self.ends.len()).then(|| value_of(&self.arena, &self.ends, id))
    }

    pub fn id_of(&self, s: &str) -> Option<u32> {
        debug_assert!(!self.has_repeats, "dictionary looked up before dedup");
        if self.unindexed {
            return (1u32..).zip(self.values()).find(|&(_, v)| v == s).map(|(id, _)| id);
        }
        let value = |id: u32| value_of(&self.arena, &self.ends, id);
        self.table.find(self.hasher.hash_one(s), |&id| value(id) == s).copied()
    }

    /// Builds the table over every value (unique, after `dedup`).
    fn index(&mut self) {
        self.rehash();
        self.table = HashTable::with_capacity(self.ends.len());
        let hashes = &self.hashes;
        for (id, &hash) in (1u32..).zip(hashes) {
            self.table.insert_unique(hash, id, |&id| hashes[id as usize - 1]);
        }
        self.unindexed = false;
    }

    /// Hashes the values `dedup` left unhashed.
    fn rehash(&mut self) {
        if self.hashes.len() != self.ends.len() {
            let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
            self.hashes =
                (1..=ends.len() as u32).map(|id| hasher.hash_one(value_of(arena, ends, id))).collect();
        }
    }

    /// The values in id order (id 1 first).
    pub fn values(&self) -> impl Iterator<Item = &str> {
        debug_assert!(!self.has_repeats, "dictionary read before dedup");
        (1..=self.ends.len() as u32).map(|id| value_of(&self.arena, &self.ends, id))
    }

    /// Number of distinct values (ids run 1..=len).
    pub fn len(&self) -> usize {
        debug_assert!(!self.has_repeats, "dictionary counted before dedup");
        self.ends.len()
    }

    /// Appends `other`'s values after this one's, unmerged: `other`'s id `i` becomes
    /// `offset + i` (the returned offset). The table is not extended: a value may now have
    /// two ids until `dedup`.
    fn concat(&mut self, mut other: Interner) -> u32 {
        if self.ends.is_empty() {
            *self = other;
            return 0;
        }
        let offset = self.ends.len() as u32;
        if other.ends.is_empty() {
            return offset;
        }
        self.rehash();
        other.rehash();
        let base = self.arena.len();
        self.arena.push_str(&other.arena);
        self.ends.extend(other.ends.iter().map(|&end| base + end));
        self.hashes.extend_from_slice(&other.hashes);
        self.has_repeats = true;
        offset
    }

    /// Makes every value's id unique again after `concat`: a value keeps the lowest of its
    /// ids, so ids come out in the order values were first interned, exactly as if every
    /// chunk had been merged in turn. Returns old id → new id (index 0 → 0), or `None` when
    /// nothing was concatenated.
    fn dedup(&mut self) -> Option<Vec<u32>> {
        if !self.has_repeats {
            return None;
        }
        let n = self.ends.len();
        let (arena, ends) = (&self.arena, &self.ends);
        let value = |id: u32| value_of(arena, ends, id);
        // Sorting by (hash, id) puts a value's copies next to each other, lowest id first.
        let hashes = std::mem::take(&mut self.hashes);
        let mut keys: Vec<(u64, u32)> = hashes.iter().zip(1u32..).map(|(&h, id)| (h, id)).collect();
        drop(hashes);
        keys.par_sort_unstable();
        let mut first = vec![0u32; n + 1];
        // Distinct values in a run of equal hashes (more than one only on a collision).
        let mut firsts: Vec<u32> = Vec::new();
        for run in keys.chunk_by(|a, b| a.0 == b.0) {
            if let [(_, id)] = run {
                first[*id as usize] = *id;
                continue;
            }
            firsts.clear();
            for &(_, id) in run {
                let v = value(id);
                first[id as usize] = match firsts.iter().find(|&&f| value(f) == v) {
                    Some(&f) => f,
                    None => {
                        firsts.push(id);
                        id
                    }
                };
            }
        }
        drop(keys);
        // Compacted in place, first copies moving down over later ones (a value never moves
        // up), so the dictionary is never held twice.
        let (mut arena, mut ends) =
            (std::mem::take(&mut self.arena).into_bytes(), std::mem::take(&mut self.ends));
        let mut remap = first;
        let (mut kept, mut old_start) = (0usize, 0usize);
        for id in 1..=n as u32 {
            let old_end = ends[id as usize - 1];
            let f = remap[id as usize];
            remap[id as usize] = if f == id {
                let start = if kept == 0 { 0 } else { ends[kept - 1] };
                arena.copy_within(old_start..old_end, start);
                ends[kept] = start + (old_end - old_start);
                kept += 1;
                kept as u32
            } else {
                // `f < id`: already renumbered.
                remap[f as usize]
            };
            old_start = old_end;
        }
        ends.truncate(kept);
        arena.truncate(ends.last().copied().unwrap_or(0));
        // Only worth a copy when many values repeated (the near-unique columns seldom do).
        if arena.len() < arena.capacity() / 2 {
            arena.shrink_to_fit();
            ends.shrink_to_fit();
        }
        // Whole values moved, so every byte still sits in a value's valid UTF-8.
        let arena = String::from_utf8(arena).expect("values are moved whole");
        *self = Interner { arena, ends, hasher: self.hasher.clone(), unindexed: true, ..Default::default() };
        Some(remap)
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

fn value_of<'a>(arena: &'a str, ends: &[usize], id: u32) -> &'a str {
    let i = id as usize - 1;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &arena[start..ends[i]]
}

/// One dictionary-encoded string column. A column the run does not need stays empty.
#[derive(Debug, Default, Clone)]
pub struct StrColumn {
    pub dict: Interner,
    pub ids: Vec<u32>,
    /// The id last pushed (0 = none): a value often repeats the row before (one environment,
    /// provider or route in a run of calls), and comparing with it costs less than a lookup.
    last: u32,
}

impl StrColumn {
    /// An empty column with room for `rows` ids.
    pub fn with_capacity(rows: usize) -> StrColumn {
        StrColumn { ids: Vec::with_capacity(rows), ..StrColumn::default() }
    }

    fn push(&mut self, value: Option<&str>) {
        let id = match value {
            None => 0,
            Some(s) if self.last != 0 && self.dict.get(self.last) == Some(s) => self.last,
            Some(s) => {
                self.last = self.dict.intern(s);
                self.last
            }
        };
        self.ids.push(id);
    }

    /// Appends `other`, its dictionary concatenated after this one's (`Interner::concat`);
    /// `dedup` must run before ids are compared.
    fn append(&mut self, other: StrColumn) {
        self.last = 0;
        let offset = self.dict.concat(other.dict);
        self.ids.extend(other.ids.iter().map(|&id| if id == 0 { 0 } else { id + offset }));
    }

    /// Gives every value one id again after appends (see `Interner::dedup`).
    fn dedup(&mut self) {
        self.last = 0;
        if let Some(remap) = self.dict.dedup() {
            self.ids.par_iter_mut().for_each(|id| *id = remap[*id as usize]);
        }
    }

    pub fn value(&self, row: usize) -> Option<&str> {
        self.ids.get(row).and_then(|&id| self.dict.get(id))
    }
}

/// Token classes, one vector per class.
#[derive(Debug, Default, Clone)]
pub struct TokenColumns {
    pub input: Vec<u64>,
    pub output: Vec<u64>,
    pub cache_read: Vec<u64>,
    pub cache_write: Vec<u64>,
    /// Rarer classes: no memory until a call has some (most logs have no 1-hour cache
    /// writes, many no reasoning tokens).
    cache_write_1h: LazyColumn,
    reasoning: LazyColumn,
    /// The modality classes in `Tokens::modal` order: all four empty until a call has some
    /// (`has_modal`), so text-only logs (most) pay no memory for them.
    modal: [Vec<u64>; 4],
    has_modal: bool,
}

impl TokenColumns {
    pub fn get(&self, row: usize) -> Tokens {
        let m = |i: usize| if self.has_modal { self.modal[i][row] } else { 0 };
        Tokens {
            input: self.input[row],
            output: self.output[row],
            cache_read: self.cache_read[row],
            cache_write: self.cache_write[row],
            cache_write_1h: self.cache_write_1h.get(row),
            reasoning: self.reasoning.get(row),
            input_audio: m(0),
            cache_audio_read: m(1),
            output_audio: m(2),
            output_image: m(3),
        }
    }

    pub fn cache_write_1h(&self, row: usize) -> u64 {
        self.cache_write_1h.get(row)
    }

    pub fn reasoning(&self, row: usize) -> u64 {
        self.reasoning.get(row)
    }

    /// One modality class (`Tokens::modal` order) for every row.
    pub fn modal_column(&self, class: usize) -> Vec<u64> {
        if self.has_modal {
            self.modal[class].clone()
        } else {
            vec![0; self.input.len()]
        }
    }

    /// Keeps modality counts from now on, every row so far as zeros.
    fn materialise_modal(&mut self) {
        let rows = self.input.len();
        for v in &mut self.modal {
            v.resize(rows, 0);
        }
        self.has_modal = true;
    }

    /// `t`'s modality counts, materialising the columns for the first call that has some;
    /// `None` while none is kept.
    fn modal_of(&mut self, t: &Tokens) -> Option<[u64; 4]> {
        let modal = t.modal();
        if modal != [0; 4] && !self.has_modal {
            self.materialise_modal();
        }
        self.has_modal.then_some(modal)
    }

    fn push(&mut self, t: &Tokens) {
        // Before the text columns grow: the materialised rows are those so far.
        let modal = self.modal_of(t);
        let rows = self.input.len();
        self.cache_write_1h.push(rows, t.cache_write_1h);
        self.reasoning.push(rows, t.reasoning);
        self.input.push(t.input);
        self.output.push(t.output);
        self.cache_read.push(t.cache_read);
        self.cache_write.push(t.cache_write);
        if let Some(modal) = modal {
            for (v, n) in self.modal.iter_mut().zip(modal) {
                v.push(n);
            }
        }
    }

    /// Replaces row `row`'s counts.
    fn set(&mut self, row: usize, t: &Tokens) {
        self.input[row] = t.input;
        self.output[row] = t.output;
        self.cache_read[row] = t.cache_read;
        self.cache_write[row] = t.cache_write;
        let rows = self.input.len();
        self.cache_write_1h.set(rows, row, t.cache_write_1h);
        self.reasoning.set(rows, row, t.reasoning);
        if let Some(modal) = self.modal_of(t) {
            for (v, n) in self.modal.iter_mut().zip(modal) {
                v[row] = n;
            }
        }
    }

    fn append(&mut self, mut o: TokenColumns) {
        if self.has_modal || o.has_modal {
            self.materialise_modal();
            o.materialise_modal();
            for (mine, theirs) in self.modal.iter_mut().zip(&mut o.modal) {
                mine.append(theirs);
            }
        }
        let (rows, theirs) = (self.input.len(), o.input.len());
        self.cache_write_1h.append(rows, o.cache_write_1h, theirs);
        self.reasoning.append(rows, o.reasoning, theirs);
        self.input.append(&mut o.input);
        self.output.append(&mut o.output);
        self.cache_read.append(&mut o.cache_read);
        self.cache_write.append(&mut o.cache_write);
    }
}

/// A count column that takes no memory until a row has a non-zero value: until then every
/// row reads 0.
#[derive(Debug, Default, Clone)]
struct LazyColumn {
    /// Empty, or one value per row once `kept`.
    values: Vec<u64>,
    kept: bool,
}

impl LazyColumn {
    fn get(&self, row: usize) -> u64 {
        if self.kept {
            self.values[row]
        } else {
            0
        }
    }

    /// Keeps values from now on, each of the `rows` so far as 0.
    fn keep(&mut self, rows: usize) {
        if !self.kept {
            self.values.resize(rows, 0);
            self.kept = true;
        }
    }

    /// Appends a row's value; `rows` is the row count before it.
    fn push(&mut self, rows: usize, v: u64) {
        if v != 0 {
            self.keep(rows);
        }
        if self.kept {
            self.values.push(v);
        }
    }

    fn set(&mut self, rows: usize, row: usize, v: u64) {
        if v != 0 {
            self.keep(rows);
        }
        if self.kept {
            self.values[row] = v;
        }
    }

    fn reserve(&mut self, more: usize) {
        if self.kept {
            self.values.reserve(more);
        }
    }

    /// Appends `other`'s `theirs` rows after this one's `rows`.
    fn append(&mut self, rows: usize, mut other: LazyColumn, theirs: usize) {
        if !self.kept && !other.kept {
            return;
        }
        self.keep(rows);
        other.keep(theirs);
        self.values.append(&mut other.values);
    }
}

pub const FLAG_ERROR: u8 = 1;
pub const FLAG_BATCH: u8 = 2;
pub const FLAG_CACHE_HIT: u8 = 4;
/// Pre-aggregated usage (a usage-API bucket): priced and summed, kept out of per-call analyses.
pub const FLAG_AGGREGATE: u8 = 8;
/// An aggregate whose requests crossed the long-context threshold.
pub const FLAG_LONG_CONTEXT: u8 = 16;
/// An aggregate whose source says whether its requests crossed the threshold.
pub const FLAG_TIER_STATED: u8 = 32;
/// The log gave max_tokens (`Calls::max_tokens`).
const FLAG_MAX_TOKENS: u8 = 64;

/// The calls of a run, column by column.
#[derive(Debug, Default, Clone)]
pub struct Calls {
    pub ts_ms: Vec<i64>,
    pub strs: [StrColumn; StrCol::COUNT],
    /// Extra (non-canonical) fields the run asked for, in the order asked.
    pub extras: Vec<StrColumn>,
    pub tokens: TokenColumns,
    pub flags: Vec<u8>,
    /// 0 = not logged.
    pub attempt: Vec<u32>,
    pub http_status: Vec<u16>,
    /// Read through `max_tokens()`: 0 where the log gave none (`FLAG_MAX_TOKENS` tells).
    max_tokens: Vec<u64>,
    /// NaN = not logged.
    pub latency_ms: Vec<f32>,
    /// Cost as the log stated it (NaN = not logged); for reconciliation only, never for pricing.
    pub logged_cost: Vec<f64>,
    /// Requests each row stands for: 1 for a call, the count of an aggregate (0 = not
    /// counted). Empty while every row is a call, so call logs pay nothing for it.
    requests: Vec<u32>,
    keep: [bool; StrCol::COUNT],
    /// `Model` holds resolved names and `LoggedModel` the logged ones (`resolve_models`).
    models_resolved: bool,
}

impl Calls {
    pub fn new(keep: [bool; StrCol::COUNT], extra_count: usize) -> Self {
        Calls { keep, extras: vec![StrColumn::default(); extra_count], ..Default::default() }
    }

    pub fn len(&self) -> usize {
        self.ts_ms.len()
    }

    /// Room for `rows` more calls in every numeric column.
    pub fn reserve(&mut self, rows: usize) {
        self.ts_ms.reserve(rows);
        let t = &mut self.tokens;
        for v in [&mut t.input, &mut t.output, &mut t.cache_read, &mut t.cache_write] {
            v.reserve(rows);
        }
        t.cache_write_1h.reserve(rows);
        t.reasoning.reserve(rows);
        self.flags.reserve(rows);
        self.attempt.reserve(rows);
        self.http_status.reserve(rows);
        self.max_tokens.reserve(rows);
        self.latency_ms.reserve(rows);
        self.logged_cost.reserve(rows);
        for (col, keep) in self.strs.iter_mut().zip(self.keep) {
            if keep {
                col.ids.reserve(rows);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.ts_ms.is_empty()
    }

    pub fn col(&self, col: StrCol) -> &StrColumn {
        let column = &self.strs[col as usize];
        // A column the run did not keep reads as "none" on every row: reading one means the
        // run's column list (`Section::columns`) forgot it.
        debug_assert!(
            self.keep[col as usize] || !column.ids.is_empty() || self.is_empty(),
            "{col:?} read but not kept"
        );
        column
    }

    /// The model names as logged, which pricing reads: `LoggedModel` once the models are
    /// resolved, else `Model`.
    pub fn logged_model(&self) -> &StrColumn {
        self.col(if self.models_resolved { StrCol::LoggedModel } else { StrCol::Model })
    }

    /// Makes `resolved` (one id per row) the `Model` column, the logged names staying in
    /// `LoggedModel` (see `price::resolve_model_names`).
    pub fn resolve_models(&mut self, resolved: StrColumn) {
        let before = std::mem::replace(&mut self.strs[StrCol::Model as usize], resolved);
        if !self.models_resolved {
            self.strs[StrCol::LoggedModel as usize] = before;
            self.models_resolved = true;
        }
    }

    pub fn has_flag(&self, row: usize, flag: u8) -> bool {
        self.flags[row] & flag != 0
    }

    /// The max_tokens the log gave for the call.
    pub fn max_tokens(&self, row: usize) -> Option<u64> {
        self.has_flag(row, FLAG_MAX_TOKENS).then(|| self.max_tokens[row])
    }

    /// The requests a row stands for: 1 for a call; an aggregate's count, 0 when its source
    /// does not count requests.
    pub fn requests(&self, row: usize) -> u64 {
        self.requests.get(row).map_or(1, |&n| n as u64)
    }

    /// Whether any row is an aggregate.
    pub fn has_aggregates(&self) -> bool {
        !self.requests.is_empty()
    }

    /// Gives every row so far an explicit request count (the first aggregate arrived).
    fn materialise_requests(&mut self, rows: usize) {
        if self.requests.len() < rows {
            self.requests.resize(rows, 1);
        }
    }

    pub fn push(&mut self, call: &Call<'_>, extras: &[Option<std::borrow::Cow<'_, str>>]) {
        self.ts_ms.push(call.ts_ms);
        for col in StrCol::ALL {
            if self.keep[col as usize] {
                self.strs[col as usize].push(call.str(col));
            }
        }
        for (column, value) in self.extras.iter_mut().zip(extras) {
            column.push(value.as_deref());
        }
        self.tokens.push(&call.tokens);
        let mut flags = (call.is_error as u8 * FLAG_ERROR)
            | (call.batch as u8 * FLAG_BATCH)
            | (call.cache_hit as u8 * FLAG_CACHE_HIT);
        if let Some(agg) = call.aggregate {
            flags |= FLAG_AGGREGATE;
            if let Some(long) = agg.long_context {
                flags |= FLAG_TIER_STATED | (long as u8 * FLAG_LONG_CONTEXT);
            }
            self.materialise_requests(self.flags.len());
            self.requests.push(agg.requests.map_or(0, |n| n.min(u32::MAX as u64) as u32));
        } else if !self.requests.is_empty() {
            self.requests.push(1);
        }
        if call.max_tokens.is_some() {
            flags |= FLAG_MAX_TOKENS;
        }
        self.flags.push(flags);
        self.attempt.push(call.attempt.unwrap_or(0));
        self.http_status.push(call.http_status.unwrap_or(0));
        self.max_tokens.push(call.max_tokens.unwrap_or(0));
        self.latency_ms.push(call.latency_ms.map_or(f32::NAN, |l| l as f32));
        self.logged_cost.push(call.logged_cost.unwrap_or(f64::NAN));
    }

    /// Replaces a row's tokens with `t` when `t` has more output (a later line of the same
    /// streamed call carries the final usage).
    pub fn raise_tokens(&mut self, row: usize, t: &Tokens) {
        if t.output <= self.tokens.output[row] {
            return;
        }
        self.tokens.set(row, t);
    }

    /// Sets a string column of `row` that has no value yet (a later line of the same call says
    /// how it finished); a value already there stays.
    pub fn fill_str(&mut self, row: usize, col: StrCol, value: &str) {
        if !self.keep[col as usize] {
            return;
        }
        let column = &mut self.strs[col as usize];
        if column.ids.get(row).copied() == Some(0) {
            let id = column.dict.intern(value);
            column.ids[row] = id;
        }
    }

    /// Gives each string one id per column again after `append`s; call it once reading is
    /// done, before any id is compared or counted.
    pub fn dedup_strings(&mut self) {
        self.strs.par_iter_mut().chain(self.extras.par_iter_mut()).for_each(StrColumn::dedup);
    }

    /// Appends `other` (parsed from a later part of the input), keeping row order; strings
    /// repeat in the dictionaries until `dedup_strings`.
    pub fn append(&mut self, mut other: Calls) {
        let string_columns = self.strs.iter_mut().zip(std::mem::take(&mut other.strs));
        let extra_columns = self.extras.iter_mut().zip(std::mem::take(&mut other.extras));
        string_columns.chain(extra_columns).for_each(|(mine, theirs)| mine.append(theirs));
        if self.has_aggregates() || other.has_aggregates() {
            self.materialise_requests(self.len());
            other.materialise_requests(other.len());
            self.requests.append(&mut other.requests);
        }
        self.ts_ms.append(&mut other.ts_ms);
        self.tokens.append(other.tokens);
        self.flags.append(&mut other.flags);
        self.attempt.append(&mut other.attempt);
        self.http_status.append(&mut other.http_status);
        self.max_tokens.append(&mut other.max_tokens);
        self.latency_ms.append(&mut other.latency_ms);
        self.logged_cost.append(&mut other.logged_cost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_counts_survive_appends_in_any_order() {
        use crate::calls::{Aggregate, Call};
        let call = |aggregate: Option<Aggregate>| Call {
            ts_ms: 0,
            strs: Default::default(),
            tokens: Tokens::default(),
            attempt: None,
            http_status: None,
            max_tokens: None,
            latency_ms: None,
            is_error: false,
            batch: false,
            cache_hit: false,
            logged_cost: None,
            aggregate,
        };
        let bucket = Some(Aggregate { requests: Some(7), long_context: None });
        let unknown = Some(Aggregate { requests: None, long_context: Some(true) });
        let mut a = Calls::new([false; StrCol::COUNT], 0);
        a.push(&call(None), &[]);
        assert!(!a.has_aggregates());
        a.push(&call(bucket), &[]);
        let mut b = Calls::new([false; StrCol::COUNT], 0);
        b.push(&call(None), &[]);
        a.append(b);
        let mut c = Calls::new([false; StrCol::COUNT], 0);
        c.push(&call(unknown), &[]);
        a.append(c);
        assert_eq!((0..4).map(|r| a.requests(r)).collect::<Vec<_>>(), [1, 7, 1, 0]);
        assert!(
            a.has_flag(3, FLAG_LONG_CONTEXT)
                && a.has_flag(3, FLAG_AGGREGATE)
                && !a.has_flag(2, FLAG_AGGREGATE)
        );
    }

    /// Modality counts take no memory until a call has some, and read back right wherever
    /// that call lands (before, inside or after appended parts).
    #[test]
    fn modality_columns_appear_with_the_first_call_that_has_some() {
        let text = Tokens { input: 10, output: 2, ..Tokens::default() };
        let audio = Tokens { input: 10, output: 2, input_audio: 4, output_image: 1, ..Tokens::default() };
        let mut a = TokenColumns::default();
        a.push(&text);
        a.push(&text);
        assert!(!a.has_modal && a.modal.iter().all(Vec::is_empty));
        let mut b = TokenColumns::default();
        b.push(&text);
        b.push(&audio);
        let mut c = TokenColumns::default();
        c.push(&text);
        a.append(b);
        a.append(c);
        let got: Vec<Tokens> = (0..5).map(|r| a.get(r)).collect();
        assert_eq!(got, [text, text, text, audio, text]);
        a.set(0, &audio);
        assert_eq!(a.get(0), audio);
        assert_eq!(a.modal_column(0), [4, 0, 0, 4, 0]);
        let mut t = TokenColumns::default();
        t.push(&text);
        t.set(0, &audio);
        assert_eq!((t.get(0), t.modal_column(3)), (audio, vec![1]));
        // The very first call has some.
        let mut f = TokenColumns::default();
        f.push(&audio);
        f.push(&text);
        assert_eq!((f.get(0), f.get(1), f.modal_column(0)), (audio, text, vec![4, 0]));
    }

    /// Reasoning and 1-hour cache writes take no memory until a call has some, and read back
    /// right wherever that call lands; max_tokens tells 0 from not logged.
    #[test]
    fn rare_counts_appear_with_the_first_call_that_has_some() {
        let plain = Tokens { input: 5, output: 1, ..Tokens::default() };
        let rare = Tokens {
            input: 9,
            output: 3,
            cache_write: 4,
            cache_write_1h: 2,
            reasoning: 7,
            ..Tokens::default()
        };
        let mut a = TokenColumns::default();
        a.push(&plain);
        assert!(!a.reasoning.kept && !a.cache_write_1h.kept && a.reasoning.values.is_empty());
        let mut b = TokenColumns::default();
        b.push(&plain);
        b.push(&rare);
        let mut c = TokenColumns::default();
        c.push(&plain);
        a.append(b);
        a.append(c);
        assert_eq!((0..4).map(|r| a.get(r)).collect::<Vec<_>>(), [plain, plain, rare, plain]);
        assert_eq!(
            ((0..4).map(|r| a.reasoning(r)).collect::<Vec<_>>(), a.cache_write_1h(2)),
            (vec![0, 0, 7, 0], 2)
        );
        let mut d = TokenColumns::default();
        d.push(&plain);
        d.set(0, &rare);
        assert_eq!((d.get(0), d.reasoning(0)), (rare, 7));

        let call = |max_tokens: Option<u64>| Call {
            ts_ms: 0,
            strs: Default::default(),
            tokens: plain,
            attempt: None,
            http_status: None,
            max_tokens,
            latency_ms: None,
            is_error: false,
            batch: false,
            cache_hit: false,
            logged_cost: None,
            aggregate: None,
        };
        let mut calls = Calls::new([false; StrCol::COUNT], 0);
        for m in [Some(0), None, Some(u64::MAX)] {
            calls.push(&call(m), &[]);
        }
        assert_eq!((0..3).map(|r| calls.max_tokens(r)).collect::<Vec<_>>(), [Some(0), None, Some(u64::MAX)]);
    }

    #[test]
    fn append_remaps_dictionaries() {
        let mut a = StrColumn::default();
        a.push(Some("x"));
        a.push(None);
        let mut b = StrColumn::default();
        b.push(Some("y"));
        b.push(Some("x"));
        a.append(b);
        a.dedup();
        let values: Vec<_> = (0..4).map(|r| a.value(r)).collect();
        assert_eq!(values, [Some("x"), None, Some("y"), Some("x")]);
        assert_eq!(a.dict.len(), 2);
        assert_eq!(a.ids, [1, 0, 2, 1]);
    }

    /// Concatenating chunk dictionaries and deduplicating at the end hands out the ids that
    /// interning every row into one dictionary in row order gives.
    #[test]
    fn deduplicated_appends_give_the_ids_of_one_dictionary() {
        let chunks: [&[Option<&str>]; 4] = [
            &[Some("op1"), Some("op2"), None, Some("op1")],
            &[Some("op3"), Some("op2")],
            &[],
            &[None, Some("op4"), Some("op3"), Some("op1"), Some("op5")],
        ];
        let mut one = StrColumn::default();
        let mut appended = StrColumn::default();
        for chunk in chunks {
            let mut part = StrColumn::default();
            for &v in chunk {
                one.push(v);
                part.push(v);
            }
            appended.append(part);
        }
        // op1..op5 in first-seen order, 0 for none.
        assert_eq!(appended.dict.ends.len(), 8, "before dedup a value repeated in two chunks has two ids");
        appended.dedup();
        assert_eq!(appended.ids, [1, 2, 0, 1, 3, 2, 0, 4, 3, 1, 5]);
        assert_eq!(appended.ids, one.ids);
        assert_eq!(appended.dict.values().collect::<Vec<_>>(), ["op1", "op2", "op3", "op4", "op5"]);
        assert_eq!(appended.dict.id_of("op4"), Some(4));
        assert_eq!(appended.dict.id_of("op6"), None);
        // Interning after dedup indexes every value first: no second id for a known value.
        assert_eq!(appended.dict.intern("op2"), 2);
        assert_eq!(appended.dict.intern("op6"), 6);
        assert_eq!(appended.dict.id_of("op6"), Some(6));
    }

    /// A deduplicated dictionary drops its hashes; appending to it and deduplicating again
    /// hashes its values anew, so repeats across the two still merge.
    #[test]
    fn appends_after_dedup_merge_with_earlier_values() {
        let column = |values: &[&str]| {
            let mut c = StrColumn::default();
            values.iter().for_each(|&v| c.push(Some(v)));
            c
        };
        let mut a = column(&["p", "q"]);
        a.append(column(&["q", "r", "p"]));
        a.dedup();
        assert!(a.dict.hashes.is_empty());
        assert_eq!(a.ids, [1, 2, 2, 3, 1]);
        a.append(column(&["r", "s", "s"]));
        a.dedup();
        assert_eq!(a.ids, [1, 2, 2, 3, 1, 3, 4, 4]);
        assert_eq!(a.dict.values().collect::<Vec<_>>(), ["p", "q", "r", "s"]);
        assert_eq!((a.dict.id_of("s"), a.dict.id_of("t")), (Some(4), None));
    }

    /// Values whose hashes collide stay apart: equal hashes only bring candidates together,
    /// the strings decide.
    #[test]
    fn dedup_tells_colliding_values_apart() {
        let mut a = StrColumn::default();
        for v in ["a", "b", "a", "c"] {
            let mut part = StrColumn::default();
            part.push(Some(v));
            a.append(part);
        }
        a.dict.hashes.iter_mut().for_each(|h| *h = 7);
        a.dedup();
        assert_eq!(a.ids, [1, 2, 1, 3]);
        assert_eq!(a.dict.values().collect::<Vec<_>>(), ["a", "b", "c"]);
    }
}

//! Inputs: expanding command-line names into sources (files, directory walks, globs, stdin),
//! and opening them as bytes: plain regular files are memory-mapped (no copy; parsed pages
//! are released as the scan moves on), everything else is a stream, gunzipped when its first
//! bytes say so.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::formats::Format;

/// An input named on the command line, after expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(p) => p.display().to_string(),
        }
    }
}

/// Expands inputs: `-` is stdin, directories are walked for log files, and a name that is not
/// a file is tried as a glob pattern.
pub fn expand(inputs: &[String]) -> Result<Vec<Source>> {
    Ok(expand_once(inputs)?.sources)
}

/// What the inputs named on the command line expand to.
#[derive(Debug, Default)]
pub struct Expansion {
    pub sources: Vec<Source>,
    /// Files named again (twice, or again through a directory, a glob or a symlink): read
    /// the first time only.
    pub again: Vec<String>,
    /// Log-named entries of a directory walk that are not regular files (a FIFO, a socket, a
    /// device): skipped, since reading one could block the run forever.
    pub not_regular: Vec<String>,
}

/// `expand`, each file once: a file named twice, or found again through a directory, a glob
/// or a symlink, is read the first time only; a directory walk skips what is not a regular
/// file. A FIFO named explicitly is read.
pub fn expand_once(inputs: &[String]) -> Result<Expansion> {
    let mut out = Expansion::default();
    let mut sources = Vec::new();
    for input in inputs {
        let path = Path::new(input);
        if input == "-" {
            sources.push(Source::Stdin);
        } else if path.is_dir() {
            let mut files = Vec::new();
            let skipped = out.not_regular.len();
            walk(path, &mut files, &mut out.not_regular)?;
            if files.is_empty() {
                let skipped = out.not_regular.len() - skipped;
                bail!(
                    "{input}: directory holds no *.jsonl, *.ndjson, *.csv (or their .gz) or *.parquet files{}",
                    if skipped > 0 {
                        format!(" that are regular files ({skipped} skipped)")
                    } else {
                        String::new()
                    }
                );
            }
            sources.extend(files.into_iter().map(Source::File));
        } else if path.exists() {
            sources.push(Source::File(path.to_path_buf()));
        } else {
            let matches: Vec<PathBuf> = glob::glob(input)
                .map(|paths| paths.filter_map(Result::ok).filter(|p| p.is_file()).collect())
                .unwrap_or_default();
            if matches.is_empty() {
                bail!("{input}: no such file or directory");
            }
            sources.extend(matches.into_iter().map(Source::File));
        }
    }
    let mut seen = std::collections::HashSet::new();
    sources.retain(|s| match s {
        Source::Stdin => true,
        Source::File(p) => {
            let fresh = seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()));
            if !fresh {
                out.again.push(p.display().to_string());
            }
            fresh
        }
    });
    out.sources = sources;
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, not_regular: &mut Vec<String>) -> Result<()> {
    walk_from(dir, out, not_regular, &mut Vec::new())
}

/// `walk`, remembering the directories on the way down: a symlink back to one of them (a
/// loop) is not followed again.
fn walk_from(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    not_regular: &mut Vec<String>,
    above: &mut Vec<PathBuf>,
) -> Result<()> {
    let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if above.contains(&real) {
        return Ok(());
    }
    above.push(real);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading directory {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading directory {}", dir.display()))?;
    entries.sort();
    for path in entries {
        // Through symlinks, as reading would; a dangling link is left for opening to report.
        let meta = std::fs::metadata(&path);
        if meta.as_ref().is_ok_and(|m| m.is_dir()) {
            walk_from(&path, out, not_regular, above)?;
        } else if is_log_name(&path) {
            match meta {
                Ok(m) if !m.is_file() => not_regular.push(path.display().to_string()),
                _ => out.push(path),
            }
        }
    }
    above.pop();
    Ok(())
}

/// What a directory walk picks up: *.jsonl, *.ndjson, *.csv and their .gz, and *.parquet
/// (not *.json, which is as often a manifest or config as a log; name such a file explicitly).
fn is_log_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
    if name.ends_with(".parquet") {
        return true;
    }
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    [".jsonl", ".ndjson", ".csv"].iter().any(|ext| name.ends_with(ext))
}

/// The format a file name promises, looking through a `.gz` suffix.
pub fn format_from_name(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    match name.rsplit_once('.')?.1 {
        "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        "parquet" => Some(Format::Parquet),
        _ => None,
    }
}

/// The first bytes of a gzip stream: compression is told by content, not by name.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether a source is a gzip-compressed file.
pub fn is_gzip(source: &Source) -> bool {
    let Source::File(path) = source else { return false };
    // Opening a FIFO would block, and reading it would steal its first bytes.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut magic = [0u8; 2];
    File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && magic == GZIP_MAGIC
}

/// An opened source.
pub enum Input {
    /// A plain regular file, memory-mapped.
    Mapped(memmap2::Mmap),
    /// Stdin, a gzip stream, or anything that cannot be mapped.
    Stream(BufReader<Box<dyn Read + Send>>),
}

impl Input {
    pub fn open(source: &Source) -> Result<Input> {
        if let Source::File(path) = source {
            if let Some(map) = map_plain_file(path)? {
                return Ok(Input::Mapped(map));
            }
        }
        let raw: Box<dyn Read + Send> = match source {
            Source::Stdin => Box::new(std::io::stdin()),
            Source::File(p) => Box::new(File::open(p).with_context(|| format!("opening {}", p.display()))?),
        };
        let mut buffered = BufReader::with_capacity(1 << 16, raw);
        let head = buffered.fill_buf().with_context(|| format!("reading {}", source.name()))?;
        let reader: Box<dyn Read + Send> = if head.starts_with(&GZIP_MAGIC) {
            Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
        } else {
            Box::new(buffered)
        };
        Ok(Input::Stream(BufReader::with_capacity(1 << 20, reader)))
    }

    /// Text already in memory (a document that turned out to be JSON lines).
    pub fn from_bytes(bytes: Vec<u8>) -> Input {
        Input::Stream(BufReader::new(Box::new(std::io::Cursor::new(bytes))))
    }

    /// The whole input in memory (a JSON document is parsed at once).
    pub fn into_bytes(self) -> std::io::Result<Vec<u8>> {
        match self {
            Input::Mapped(map) => Ok(map.to_vec()),
            Input::Stream(mut reader) => {
                let mut bytes = Vec::new();
                reader.read_to_end(&mut bytes)?;
                Ok(bytes)
            }
        }
    }

    /// The whole input as one buffered reader (a mapped file read in order, its pages
    /// released behind the reader).
    pub fn into_reader(self) -> Box<dyn BufRead + Send> {
        match self {
            Input::Mapped(map) => Box::new(MappedReader { map, pos: 0, released: 0 }),
            Input::Stream(reader) => Box::new(reader),
        }
    }

    /// The first bytes, for format detection (a whole buffer of a stream, not consumed).
    pub fn head(&mut self) -> std::io::Result<&[u8]> {
        match self {
            Input::Mapped(map) => Ok(&map[..map.len().min(HEAD_BYTES)]),
            Input::Stream(reader) => reader.fill_buf(),
        }
    }
}

const HEAD_BYTES: usize = 1 << 20;

/// Maps a regular, non-empty, not gzipped file.
fn map_plain_file(path: &Path) -> Result<Option<memmap2::Mmap>> {
    // Looked at before opening: a FIFO opened here and closed again could lose its writer.
    let meta = std::fs::metadata(path).with_context(|| format!("opening {}", path.display()))?;
    if !meta.is_file() || meta.len() < 2 {
        return Ok(None);
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: the map is read-only; like ripgrep, we accept that a file truncated by another
    // process while we read it may fault. Logs being read are not rewritten in place.
    let map = unsafe { memmap2::Mmap::map(&file) }.with_context(|| format!("mapping {}", path.display()))?;
    Ok((!map.starts_with(&GZIP_MAGIC)).then_some(map))
}

/// A mapped file as a `BufRead` that drops the pages it has consumed from the resident set
/// (`release_pages`), so a CSV file read row by row costs one block of memory, not its size.
struct MappedReader {
    map: memmap2::Mmap,
    pos: usize,
    released: usize,
}

/// Consumed bytes are released in steps of this much (small in tests, to cross many).
const RELEASE_STEP: usize = if cfg!(test) { 1 << 16 } else { 32 << 20 };

impl Read for MappedReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = Read::read(&mut self.fill_buf()?, buf)?;
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for MappedReader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(&self.map[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.map.len());
        if self.pos >= self.released + RELEASE_STEP {
            release_pages(&self.map, &mut self.released, self.pos);
        }
    }
}

/// Drops the mapped pages already parsed from our resident set, so memory stays one block
/// deep whatever the file size (the page cache keeps them; nothing is lost).
pub fn release_pages(map: &memmap2::Mmap, released: &mut usize, upto: usize) {
    const PAGE: usize = 4096;
    let end = upto / PAGE * PAGE;
    if end > *released {
        // SAFETY: the pages are never read again; DONTNEED on a read-only file mapping only
        // unmaps them, and a later access would reload them from the file.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, *released, end - *released)
        };
        *released = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_reader_gives_every_byte_in_order_past_its_releases() {
        // Lines across several release steps: what is read back is the file, byte for byte.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.csv");
        let text: String = (0..200_000).map(|i| format!("{i},row\n")).collect();
        assert!(text.len() > 10 * RELEASE_STEP);
        std::fs::write(&path, &text).unwrap();
        let map = map_plain_file(&path).unwrap().expect("a plain file maps");
        let mut reader = Input::Mapped(map).into_reader();
        let (mut back, mut line) = (String::new(), String::new());
        while reader.read_line(&mut line).unwrap() > 0 {
            back.push_str(&line);
            line.clear();
        }
        assert_eq!(back, text);
    }

    #[test]
    fn format_from_extension_looks_through_gz() {
        assert_eq!(format_from_name(Path::new("a/b.csv.gz")), Some(Format::Csv));
        assert_eq!(format_from_name(Path::new("x.NDJSON")), Some(Format::Jsonl));
        assert_eq!(format_from_name(Path::new("x.txt")), None);
        assert_eq!(format_from_name(Path::new("month=2026-10/part-0.parquet")), Some(Format::Parquet));
        assert!(is_log_name(Path::new("d/part-0.PARQUET")) && !is_log_name(Path::new("d/x.parquet.tmp")));
    }
}

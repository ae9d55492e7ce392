//! The MSM tables file: a proving key's fixed-base tables ([`MsmTables`](crate::engine::MsmTables)) stored beside
//! it, so a one-shot `veil prove` reads them instead of building them.
//!
//! ```text
//! offset size
//!      0    8  magic "VEIL-MT\0"
//!      8    2  format version (1), little-endian like every integer here
//!     10    2  queries (5: A, B in G1, B in G2, H, L)
//!     12    4  reserved (0; a file with any other value is refused)
//!     16   32  the key's fingerprint (ProverKey::fingerprint)
//!     48  5×24 per query: window width (u32), windows (u32), non-zero bases (u64),
//!              bases in the key's query (u64)
//!    168    …  per query in that order: the positions of its non-zero bases (u32 each,
//!              zero-padded to a multiple of 8 bytes), then its points as Montgomery limbs
//!              (u64 each; 8 per G1 point, 16 per G2 point)
//! ```
//!
//! Reading maps the file and uses the limbs in place (no copy into fresh memory). The points
//! are not validated (that would cost more than building them);
//! instead the layout is checked, the fingerprint ties the file to its key, each query's
//! first and last base must equal the key's, and every proof made from tables is verified
//! before it is returned ([`ProverKey::prove`]), falling back to the variable-base MSMs, so a
//! damaged file costs time, never a wrong proof.

use std::{
    fs::File,
    io::{self, Write},
    path::Path,
    sync::Arc,
    time::Instant,
};

use ark_ec::{short_weierstrass::Affine, AdditiveGroup, AffineRepr, CurveGroup};
use thiserror::Error;

use crate::{
    engine::{MsmTables, ProverKey},
    msm::{FixedBaseMsm, Limbs, TableCurve},
};

/// The first eight bytes of every tables file.
pub const MAGIC: [u8; 8] = *b"VEIL-MT\0";
/// The version of this layout.
pub const FORMAT_VERSION: u16 = 1;
/// The file name beside `proving_key.veil`.
pub const FILE_NAME: &str = "proving_key.tables";
const QUERIES: usize = 5;
const HEADER_LEN: usize = 48 + QUERIES * 24;

/// Why a tables file was refused.
#[derive(Debug, Error)]
pub enum TableFileError {
    /// The file could not be read.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// Not a tables file.
    #[error("not a veil MSM tables file (bad magic bytes)")]
    NotTables,
    /// A layout this build does not read.
    #[error("tables format version {found} is not supported (this build reads version {FORMAT_VERSION})")]
    UnsupportedVersion {
        /// The version in the file.
        found: u16,
    },
    /// Tables of another proving key.
    #[error("these tables belong to another proving key; rebuild them with `veil tables`")]
    OtherKey,
    /// The layout is inconsistent, or the file is truncated or too long.
    #[error("the tables file is malformed: {0}")]
    Malformed(String),
}

/// The layout of one query's part of the file.
#[derive(Clone, Copy, Debug)]
struct Part {
    window: usize,
    windows: usize,
    rows: usize,
    bases: usize,
    limbs_per_point: usize,
}

impl Part {
    fn of<P: TableCurve>(t: &FixedBaseMsm<P>, bases: usize) -> Self {
        let (window, windows, positions, _) = t.parts();
        Self { window, windows, rows: positions.len(), bases, limbs_per_point: P::LIMBS }
    }

    /// Bytes of the positions, padded, and of the limbs; `None` on overflow.
    fn sizes(&self) -> Option<(usize, usize)> {
        let positions = self.rows.checked_mul(4)?.checked_next_multiple_of(8)?;
        let limbs = self.rows.checked_mul(self.windows)?.checked_mul(self.limbs_per_point)?.checked_mul(8)?;
        Some((positions, limbs))
    }
}

/// The bases of each query in the order of the file, as the tables index them.
fn query_lengths(key: &ProverKey) -> [usize; QUERIES] {
    let pk = &key.pk;
    [pk.a_query.len() - 1, pk.b_g1_query.len() - 1, pk.b_g2_query.len() - 1, pk.h_query.len(), pk.l_query.len()]
}

/// Writes `tables` (built for `key`) to `path` atomically.
///
/// # Errors
/// I/O errors; the destination is then left as it was.
pub fn save(key: &ProverKey, tables: &MsmTables, path: &Path) -> io::Result<()> {
    let lengths = query_lengths(key);
    let parts = [
        Part::of(&tables.a, lengths[0]),
        Part::of(&tables.b_g1, lengths[1]),
        Part::of(&tables.b_g2, lengths[2]),
        Part::of(&tables.h, lengths[3]),
        Part::of(&tables.l, lengths[4]),
    ];
    veil_fs::write_atomic_with(path, false, |w| {
        w.write_all(&MAGIC)?;
        w.write_all(&FORMAT_VERSION.to_le_bytes())?;
        w.write_all(&(QUERIES as u16).to_le_bytes())?;
        w.write_all(&0u32.to_le_bytes())?;
        w.write_all(&key.fingerprint())?;
        for p in &parts {
            w.write_all(&(p.window as u32).to_le_bytes())?;
            w.write_all(&(p.windows as u32).to_le_bytes())?;
            w.write_all(&(p.rows as u64).to_le_bytes())?;
            w.write_all(&(p.bases as u64).to_le_bytes())?;
        }
        write_query(w, &tables.a)?;
        write_query(w, &tables.b_g1)?;
        write_query(w, &tables.b_g2)?;
        write_query(w, &tables.h)?;
        write_query(w, &tables.l)
    })
}

fn write_query<P: TableCurve>(w: &mut dyn Write, t: &FixedBaseMsm<P>) -> io::Result<()> {
    let (_, _, positions, limbs) = t.parts();
    let mut bytes: Vec<u8> = positions.iter().flat_map(|p| p.to_le_bytes()).collect();
    bytes.resize(bytes.len().next_multiple_of(8), 0);
    w.write_all(&bytes)?;
    for chunk in limbs.chunks(1 << 16) {
        if cfg!(target_endian = "little") {
            w.write_all(bytemuck::cast_slice(chunk))?;
        } else {
            let le: Vec<u8> = chunk.iter().flat_map(|l| l.to_le_bytes()).collect();
            w.write_all(&le)?;
        }
    }
    Ok(())
}

/// Reads the tables of `key` from `path` ([`open`], then [`Opened::bind`]).
///
/// # Errors
/// [`TableFileError`]: unreadable, another format, another key, or an inconsistent layout.
pub fn load(key: &ProverKey, path: &Path) -> Result<MsmTables, TableFileError> {
    open(path)?.bind(key)
}

/// A tables file mapped into memory, its format checked but not yet tied to a key: it can
/// be opened while the key decodes.
#[derive(Debug)]
pub struct Opened {
    map: Arc<memmap2::Mmap>,
    start: Instant,
}

/// Maps the tables file at `path` and checks its magic bytes, version and header length.
///
/// # Errors
/// [`TableFileError`]: unreadable, or not a tables file of this version.
pub fn open(path: &Path) -> Result<Opened, TableFileError> {
    let start = Instant::now();
    let file = File::open(path)?;
    // The file is mapped, not read: the tables are used in place (no copy, no fresh pages).
    let map = veil_fs::map(&file)?;
    if map.len() < MAGIC.len() || map[..8] != MAGIC {
        return Err(TableFileError::NotTables);
    }
    if map.len() < HEADER_LEN {
        return Err(TableFileError::Malformed(format!("{} bytes, shorter than the header", map.len())));
    }
    let version = u16::from_le_bytes([map[8], map[9]]);
    if version != FORMAT_VERSION {
        return Err(TableFileError::UnsupportedVersion { found: version });
    }
    if u16::from_le_bytes([map[10], map[11]]) as usize != QUERIES {
        return Err(TableFileError::Malformed("not five queries".into()));
    }
    // Reserved: zero in every file this version writes, so that a later version can use it
    // (found by fuzzing: a file with them set was accepted and written back as another file).
    if map[12..16] != [0; 4] {
        return Err(TableFileError::Malformed("reserved header bytes 12..16 are not zero".into()));
    }
    Ok(Opened { map: Arc::new(map), start })
}

impl Opened {
    /// The tables, if they belong to `key` and their layout fits its queries.
    ///
    /// # Errors
    /// [`TableFileError::OtherKey`] or [`TableFileError::Malformed`].
    pub fn bind(self, key: &ProverKey) -> Result<MsmTables, TableFileError> {
        let Self { map, start } = self;
        let file_len = map.len();
        let header = &map[..HEADER_LEN];
        if header[16..48] != key.fingerprint() {
            return Err(TableFileError::OtherKey);
        }
        let lengths = query_lengths(key);
        let limbs = [8, 8, 16, 8, 8];
        let mut parts = Vec::with_capacity(QUERIES);
        let mut offsets = Vec::with_capacity(QUERIES);
        let mut at = HEADER_LEN;
        for q in 0..QUERIES {
            let d = &header[48 + 24 * q..72 + 24 * q];
            let word = |i: usize| u32::from_le_bytes(d[i..i + 4].try_into().expect("4 bytes")) as usize;
            let long = |i: usize| usize::try_from(u64::from_le_bytes(d[i..i + 8].try_into().expect("8 bytes")));
            let part = Part {
                window: word(0),
                windows: word(4),
                rows: long(8).unwrap_or(usize::MAX),
                bases: long(16).unwrap_or(usize::MAX),
                limbs_per_point: limbs[q],
            };
            if part.bases != lengths[q] || part.rows > part.bases {
                return Err(TableFileError::Malformed(format!(
                    "query {q} has {} of {} bases, the key {}",
                    part.rows, part.bases, lengths[q]
                )));
            }
            let (p, l) = part.sizes().ok_or_else(|| TableFileError::Malformed(format!("query {q} is too large")))?;
            offsets.push(at);
            at = at
                .checked_add(p)
                .and_then(|a| a.checked_add(l))
                .ok_or_else(|| TableFileError::Malformed(format!("query {q} is too large")))?;
            parts.push(part);
        }
        if at != file_len {
            return Err(TableFileError::Malformed(format!("{file_len} bytes, the layout says {at}")));
        }
        let pk = &key.pk;
        let read = |q: usize| part_of(&map, offsets[q], parts[q]);
        let (a, (b_g1, (b_g2, (h, l)))) = rayon::join(
            || read(0).and_then(|r| query(r, &pk.a_query[1..], 0)),
            || {
                rayon::join(
                    || read(1).and_then(|r| query(r, &pk.b_g1_query[1..], 1)),
                    || {
                        rayon::join(
                            || read(2).and_then(|r| query(r, &pk.b_g2_query[1..], 2)),
                            || {
                                rayon::join(
                                    || read(3).and_then(|r| query(r, &pk.h_query, 3)),
                                    || read(4).and_then(|r| query(r, &pk.l_query, 4)),
                                )
                            },
                        )
                    },
                )
            },
        );
        Ok(MsmTables {
            a: a?,
            b_g1: b_g1?,
            b_g2: b_g2?,
            h: h?,
            l: l?,
            build_time: start.elapsed(),
            pvk: std::sync::OnceLock::new(),
        })
    }
}

/// One query's positions and limbs at `offset` of the mapped file.
fn part_of(map: &Arc<memmap2::Mmap>, offset: usize, part: Part) -> Result<(Part, Vec<u32>, Limbs), TableFileError> {
    let (position_bytes, limb_bytes) = part.sizes().expect("checked by the caller");
    let positions = map[offset..offset + position_bytes]
        .chunks_exact(4)
        .take(part.rows)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4")))
        .collect();
    let offset = offset + position_bytes;
    let limbs = if cfg!(target_endian = "little") {
        Limbs::Mapped { map: Arc::clone(map), offset, len: limb_bytes / 8 }
    } else {
        Limbs::Owned(
            map[offset..offset + limb_bytes]
                .chunks_exact(8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8")))
                .collect(),
        )
    };
    Ok((part, positions, limbs))
}

/// The table of query `q` from its parts, checked against the key's `bases`: the layout,
/// and the first and last non-zero base.
fn query<P: TableCurve>(
    (part, positions, limbs): (Part, Vec<u32>, Limbs),
    bases: &[Affine<P>],
    q: usize,
) -> Result<FixedBaseMsm<P>, TableFileError> {
    let t = FixedBaseMsm::from_limbs(part.window, part.windows, positions, limbs, bases.len())
        .map_err(|e| TableFileError::Malformed(format!("query {q}: {e}")))?;
    let (_, _, positions, _) = t.parts();
    let nonzero = bases.iter().filter(|b| !b.is_zero()).count();
    // The first and last rows: their base, and the next window's multiple 2^c·base.
    let row_differs = |row: usize| {
        let base = bases[positions[row] as usize];
        let mut shifted = base.into_group();
        (0..part.window).for_each(|_| {
            shifted.double_in_place();
        });
        t.multiple(row, 0) != base || (part.windows > 1 && t.multiple(row, 1) != shifted.into_affine())
    };
    let ends = [Some(0), positions.len().checked_sub(1)];
    if positions.len() != nonzero || ends.into_iter().flatten().any(row_differs) {
        return Err(TableFileError::Malformed(format!("query {q}: its bases differ from the key's")));
    }
    Ok(t)
}

#[cfg(test)]
mod tests;

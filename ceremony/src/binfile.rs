//! iden3's binary container, shared by `.r1cs`, `.ptau` and `.zkey` files: a 4-byte kind,
//! a u32 version (1), a u32 section count, then each section as a u32 id, a u64 byte length
//! and its payload. Every integer is little-endian; sections are found by id, not position.
//!
//! No crate reads this container with the checks we need (sizes against the file, one
//! section per id, seeking instead of loading), so it is written here in ~150 lines.

use std::{
    fs::File,
    io::{Read, Seek, SeekFrom},
};

use crate::error::FormatError;

/// One section: its id and where its payload lies in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    /// The section id.
    pub id: u32,
    /// The payload's offset from the start of the file.
    pub offset: u64,
    /// The payload's length in bytes.
    pub len: u64,
}

/// The section table of a container.
#[derive(Clone, Debug)]
pub struct Sections {
    /// The file kind ("r1cs", "ptau", "zkey").
    pub kind: &'static str,
    list: Vec<Section>,
}

impl Sections {
    /// Reads the section table of a container of `kind` from `r`, whose length is `len`.
    /// Every section must lie inside the file; no id may appear twice.
    ///
    /// # Errors
    /// [`FormatError`] for another kind, another version, a truncated or duplicated section.
    pub fn read<R: Read + Seek>(r: &mut R, len: u64, kind: &'static str) -> Result<Self, FormatError> {
        let mut head = [0u8; 12];
        r.seek(SeekFrom::Start(0))?;
        if len < 12 {
            return Err(FormatError::NotA { kind });
        }
        r.read_exact(&mut head)?;
        if &head[..4] != kind.as_bytes() {
            return Err(FormatError::NotA { kind });
        }
        let version = u32::from_le_bytes(head[4..8].try_into().expect("4 bytes"));
        if version != 1 {
            return Err(FormatError::UnsupportedVersion { kind, found: version });
        }
        let count = u32::from_le_bytes(head[8..12].try_into().expect("4 bytes"));
        let mut list: Vec<Section> = Vec::new();
        let mut at = 12u64;
        for _ in 0..count {
            if at + 12 > len {
                return Err(FormatError::Truncated { kind, section: None, need: at + 12, have: len });
            }
            let mut h = [0u8; 12];
            r.seek(SeekFrom::Start(at))?;
            r.read_exact(&mut h)?;
            let id = u32::from_le_bytes(h[..4].try_into().expect("4 bytes"));
            let size = u64::from_le_bytes(h[4..].try_into().expect("8 bytes"));
            let offset = at + 12;
            let end = offset.checked_add(size).ok_or(FormatError::Truncated {
                kind,
                section: Some(id),
                need: u64::MAX,
                have: len,
            })?;
            if end > len {
                return Err(FormatError::Truncated { kind, section: Some(id), need: end, have: len });
            }
            if list.iter().any(|s| s.id == id) {
                return Err(FormatError::DuplicateSection { kind, id });
            }
            list.push(Section { id, offset, len: size });
            at = end;
        }
        if at != len {
            return Err(FormatError::Invalid { kind, what: format!("{} bytes after the last section", len - at) });
        }
        Ok(Self { kind, list })
    }

    /// Reads the section table of an in-memory container.
    ///
    /// # Errors
    /// As [`Sections::read`].
    pub fn parse(bytes: &[u8], kind: &'static str) -> Result<Self, FormatError> {
        Self::read(&mut std::io::Cursor::new(bytes), bytes.len() as u64, kind)
    }

    /// The section `id`, if present.
    #[must_use]
    pub fn get(&self, id: u32) -> Option<Section> {
        self.list.iter().copied().find(|s| s.id == id)
    }

    /// The section `id`, or an error naming it.
    ///
    /// # Errors
    /// [`FormatError::MissingSection`].
    pub fn need(&self, id: u32) -> Result<Section, FormatError> {
        self.get(id).ok_or(FormatError::MissingSection { kind: self.kind, id })
    }

    /// The section `id`, which must be exactly `len` bytes long.
    ///
    /// # Errors
    /// [`FormatError::MissingSection`] or [`FormatError::SectionSize`].
    pub fn need_len(&self, id: u32, len: u64) -> Result<Section, FormatError> {
        let s = self.need(id)?;
        if s.len != len {
            return Err(FormatError::SectionSize { kind: self.kind, id, expected: len, found: s.len });
        }
        Ok(s)
    }

    /// The payload of section `id` of an in-memory container.
    ///
    /// # Errors
    /// [`FormatError::MissingSection`].
    pub fn slice<'a>(&self, bytes: &'a [u8], id: u32) -> Result<&'a [u8], FormatError> {
        let s = self.need(id)?;
        Ok(&bytes[s.offset as usize..(s.offset + s.len) as usize])
    }
}

/// Reads `len` bytes at `offset` of `file`.
///
/// # Errors
/// I/O errors (the range was checked against the section table before).
pub fn read_at(file: &mut File, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut buf)?;
    Ok(buf)
}

/// Writes a container section by section, in the order the sections are added.
#[derive(Debug)]
pub struct Writer {
    out: Vec<u8>,
    count: u32,
    open: Option<usize>,
}

impl Writer {
    /// A container of `kind` that will hold `sections` sections.
    #[must_use]
    pub fn new(kind: &str, sections: u32) -> Self {
        let mut out = Vec::new();
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&sections.to_le_bytes());
        Self { out, count: sections, open: None }
    }

    /// Starts section `id`; what is written until the next call belongs to it.
    pub fn section(&mut self, id: u32) -> &mut Vec<u8> {
        self.close();
        self.out.extend_from_slice(&id.to_le_bytes());
        self.open = Some(self.out.len());
        self.out.extend_from_slice(&0u64.to_le_bytes());
        &mut self.out
    }

    fn close(&mut self) {
        if let Some(at) = self.open.take() {
            let len = (self.out.len() - at - 8) as u64;
            self.out[at..at + 8].copy_from_slice(&len.to_le_bytes());
            self.count = self.count.checked_sub(1).expect("more sections written than announced");
        }
    }

    /// The finished container.
    ///
    /// # Panics
    /// If fewer sections were written than announced (a bug in the caller).
    #[must_use]
    pub fn finish(mut self) -> Vec<u8> {
        self.close();
        assert_eq!(self.count, 0, "fewer sections written than announced");
        self.out
    }
}

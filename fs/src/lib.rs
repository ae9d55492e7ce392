#![doc = include_str!("../README.md")]
// The workspace's `unsafe` outside veil-simd: mapping a file read-only ([`map`]) and
// releasing read pages of such a map ([`release`]).
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(missing_debug_implementations)]

use std::{
    fs,
    io::{self, Write},
    path::Path,
};

/// Maps `file` read-only, its pages read in at once (`MAP_POPULATE`): key and tables files
/// are used in place, without a copy into fresh memory.
///
/// The map is sound as long as nobody rewrites the file in place while it is mapped. veil
/// never does (every file it writes is a new file renamed into place); a file changed by
/// hand can give wrong data, which the readers' checks catch (a key's body hash when it
/// loads, then the check of every constraint and the verification of every proof, which
/// read the key's matrices and the tables from the map), or a `SIGBUS` if it is truncated.
///
/// # Errors
/// Any I/O error.
pub fn map(file: &fs::File) -> io::Result<memmap2::Mmap> {
    // SAFETY: read-only; see above for files changed under the map.
    #[allow(unsafe_code)]
    unsafe {
        memmap2::MmapOptions::new().populate().map(file)
    }
}

/// Drops the whole pages of `range` (byte offsets into `map`, a map from [`map`]) from this
/// process's memory, for parts of a file that were read and are not needed again: the
/// process's resident memory shrinks at once. Reading them again is correct (the pages come
/// back from the file) but costs the reads. Best effort: nothing happens where the system
/// does not support it.
pub fn release(map: &memmap2::Mmap, range: std::ops::Range<usize>) {
    const PAGE: usize = 4096;
    let start = range.start.next_multiple_of(PAGE);
    let end = range.end.min(map.len()) / PAGE * PAGE;
    if end <= start {
        return;
    }
    #[cfg(unix)]
    {
        // SAFETY: `map` is a read-only, private map of a file that veil never changes in
        // place (see [`map`]): after MADV_DONTNEED its pages read the file's bytes again, the
        // same bytes any reference into the map saw before, so no borrow observes a change.
        #[allow(unsafe_code)]
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start) };
    }
}

/// Writes `bytes` to `path` atomically. With `private`, the file is created `0600` (owner
/// read/write only) before any byte is written.
///
/// # Errors
/// Any I/O error; the destination is then left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    write_atomic_with(path, private, |w| w.write_all(bytes))
}

/// Writes what `write` produces to `path` atomically, buffered: for files too large to
/// hold twice in memory. The destination is untouched unless `write` succeeds.
///
/// # Errors
/// Any I/O error, `write`'s included; the destination is then left as it was.
pub fn write_atomic_with(
    path: &Path,
    private: bool,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = sealed_temp_with(path, private, write)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes a new file atomically, refusing (with `AlreadyExists`) to replace an existing
/// one: the temporary file is linked into place only if the name is free
/// ([`tempfile::NamedTempFile::persist_noclobber`]), so two writers cannot both succeed.
///
/// # Errors
/// Any I/O error, `AlreadyExists` included; the destination is then left as it was.
pub fn write_new_atomic(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    let tmp = sealed_temp(path, bytes, private)?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// A temporary file beside `path` holding `bytes`, with its mode set before the first
/// byte and its content synced.
fn sealed_temp(path: &Path, bytes: &[u8], private: bool) -> io::Result<tempfile::NamedTempFile> {
    sealed_temp_with(path, private, |w| w.write_all(bytes))
}

fn sealed_temp_with(
    path: &Path,
    private: bool,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".veil-").suffix(".tmp").tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if private { 0o600 } else { 0o644 };
        tmp.as_file().set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    {
        let mut buffered = io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    tmp.as_file().sync_all()?;
    Ok(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Released pages read the same bytes again; ranges that hold no whole page, or run
    /// past the map, are harmless. (The memory it saves is measured by benches/memory.sh.)
    #[test]
    fn released_pages_read_the_file_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        let bytes: Vec<u8> = (0..5 * 4096 + 100).map(|i| (i * 7 % 251) as u8).collect();
        write_atomic(&path, &bytes, false).unwrap();
        let map = map(&fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(&map[..], &bytes[..]);
        release(&map, 100..4 * 4096 + 5);
        release(&map, 10..20);
        release(&map, 4096..usize::MAX);
        assert_eq!(&map[..], &bytes[..]);
    }

    #[test]
    fn replaces_the_file_whole_and_sets_the_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        write_atomic(&path, b"first", true).unwrap();
        write_atomic(&path, b"second", true).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
    }

    #[test]
    fn a_failing_writer_leaves_the_destination_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tables");
        write_atomic(&path, b"old", false).unwrap();
        let err = write_atomic_with(&path, false, |w| {
            w.write_all(&[7u8; 3 << 20])?;
            Err(io::Error::other("stopped halfway"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "stopped halfway");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
    }

    #[test]
    fn a_missing_directory_is_an_error_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("f");
        assert!(write_atomic(&path, b"x", false).is_err());
        assert!(!path.exists());
    }
}

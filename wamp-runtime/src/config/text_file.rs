//! Reading a text file whose size is bounded: configuration files and
//! secret files both come from paths a user writes, which may name a huge or
//! endless file.

use std::io::Read as _;
use std::path::Path;

/// Reads a UTF-8 text file of at most `limit` bytes. A larger file (or an
/// endless one such as `/dev/zero`) is an error after reading `limit + 1`
/// bytes, never an allocation of its whole size.
pub(super) fn read_text_limited(path: &Path, limit: u64) -> std::io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the file is larger than {limit} bytes"),
        ));
    }
    Ok(text)
}

//! `Debug` as a readable message: the library's errors print their
//! `Display` text and causes where Rust prints `Debug`, above all when
//! `fn main() -> Result<(), E>` returns one.

/// Writes `error` for a person: its `Display` text, then each cause in
/// its `source` chain that the text does not already contain. The
/// library's errors use it as their `Debug` text, which is what
/// `fn main() -> Result<(), E>` prints when it returns an error.
pub(crate) fn write_report(error: &dyn std::error::Error, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    let text = error.to_string();
    f.write_str(&text)?;
    let mut written = text;
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !written.contains(&cause_text) {
            write!(f, "\n  caused by: {cause_text}")?;
            written.push_str(&cause_text);
        }
        source = cause.source();
    }
    Ok(())
}

/// `Debug` as the readable report (see [`write_report`]); the variants
/// stay matchable for code that needs the structure.
macro_rules! debug_as_report {
    ($($error:ty),*) => {$(
        impl std::fmt::Debug for $error {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::readable::write_report(self, f)
            }
        }
    )*};
}
pub(crate) use debug_as_report;

#[cfg(test)]
mod tests {
    #[derive(Debug, thiserror::Error)]
    #[error("cannot start: {0}")]
    struct Quoting(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("cannot start")]
    struct Silent(#[source] std::io::Error);

    struct Report<'a>(&'a dyn std::error::Error);

    impl std::fmt::Debug for Report<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            super::write_report(self.0, f)
        }
    }

    #[test]
    fn a_cause_is_written_once() {
        let io = || std::io::Error::other("disk full");
        assert_eq!(format!("{:?}", Report(&Quoting(io()))), "cannot start: disk full");
        assert_eq!(
            format!("{:?}", Report(&Silent(io()))),
            "cannot start\n  caused by: disk full"
        );
    }
}

//! Scratch folders for the integration tests. Each is removed when the
//! value is dropped, when its test ends, passed or failed, so that test
//! runs leave nothing behind in the temporary folder. Set
//! `FEEBOOK_KEEP_TEST_DIRS=1` to keep them for a look after a failure.

use std::ffi::OsStr;
use std::ops::Deref;
use std::path::Path;

pub struct Scratch(tempfile::TempDir);

impl Scratch {
    /// An empty folder named `feebook-{name}-…` in the temporary folder.
    pub fn new(name: &str) -> Scratch {
        let dir = tempfile::Builder::new()
            .prefix(&format!("feebook-{name}-"))
            .disable_cleanup(std::env::var_os("FEEBOOK_KEEP_TEST_DIRS").is_some())
            .tempdir()
            .expect("a scratch folder in the temporary folder");
        Scratch(dir)
    }
}

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<OsStr> for Scratch {
    fn as_ref(&self) -> &OsStr {
        self.0.path().as_os_str()
    }
}

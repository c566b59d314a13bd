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

/// The header of a short table of work orders, as a clerk's CSV has it:
/// the columns a 月结 order needs and the policies read.
#[allow(dead_code)]
pub const ORDERS_HEADER: &str =
    "单号,客户名称,地址,服务项目,数量,结算方式,服务日期,完成日期,客户签字,核对人,核对日期";

/// A 月结 laundry order of 孙晓明's, done on 2026-11-20 and checked the next
/// working day, with `edit` applied: one row of a CSV under
/// [`ORDERS_HEADER`], ending in a line break.
#[allow(dead_code)]
pub fn laundry_row(number: &str, edit: impl Fn(String) -> String) -> String {
    edit(format!(
        "{number},孙晓明,华庭大厦 12 层 1203 室,洗衣服务,2,月结,2026-11-20,2026-11-20,是,张丽,2026-11-23\n"
    ))
}

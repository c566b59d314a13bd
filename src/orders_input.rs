//! Reading work orders from spreadsheets (CSV in UTF-8 or GBK, XLSX) and
//! from YAML, into [`OrderInput`]s with the place of every field.
//!
//! Columns are found by header (单号, 客户名称, 服务项目, …) through the
//! rules' `imports.orders` mapping and the built-in Chinese headers. Every
//! bad cell is reported with file, row and column; no row is dropped
//! silently.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::diagnostic::{Diagnostic, Place};
use crate::order::{FieldPlaces, OrderFile, OrderInput, Settlement};
use crate::pricing::GivenInput;
use crate::quantity::Qty;
use crate::records::RecordKind;
use crate::rules::Rules;
use crate::rules::model::OrderColumns;
use crate::source::{SourceFile, Sources};
use crate::tabular::{self, ColumnMap, Encoding, FieldSpec, Row, Table};

/// (field, built-in headers, required)
pub const FIELDS: &[(&str, &[&str], bool)] = &[
    (
        "number",
        &["单号", "工单号", "编号", "工单编号", "维修单号"],
        true,
    ),
    ("date", &["登记日期", "开单日期", "受理日期"], false),
    (
        "customer",
        &["客户名称", "客户", "业主", "客户姓名", "单位名称"],
        true,
    ),
    ("address", &["地址", "房号", "服务地址", "客户地址"], true),
    ("phone", &["电话", "联系电话", "手机"], false),
    (
        "item",
        &["服务项目", "项目", "服务内容项目", "项目名称"],
        true,
    ),
    ("quantity", &["数量", "工程量"], true),
    (
        "service_date",
        &["服务日期", "服务时间日期", "预约日期"],
        true,
    ),
    ("service_time", &["服务时间", "预约时间", "时段"], false),
    ("settlement", &["结算方式", "结算", "付款方式"], true),
    ("completed_on", &["完成日期", "完工日期"], false),
    ("customer_signed", &["客户签字", "客户确认", "签字"], false),
    ("verified_by", &["核对人", "核对", "主管核对"], false),
    ("verified_on", &["核对日期"], false),
    (
        "verification_note",
        &["核对延误原因", "延误原因", "迟核原因"],
        false,
    ),
    ("staff", &["服务人员", "维修人员", "作业人员"], false),
    ("request", &["服务要求", "备注", "服务内容"], false),
    ("agreement", &["协议号", "协议编号", "长期协议号"], false),
    (
        "job",
        &["确认单号", "价格确认单号", "临时服务单号", "报价单号"],
        false,
    ),
];

/// Built-in headers of formula inputs.
const INPUTS: &[(&str, &[&str])] = &[
    ("materials", &["材料费", "材料", "材料款", "材料费用"]),
    ("monthly_rent", &["月租金", "租金"]),
];

/// One row read: the order, or what is wrong with it.
pub type RowResult = Result<OrderInput, Vec<Diagnostic>>;

/// What reading an orders file gave.
pub struct OrdersRead {
    pub rows: Vec<RowResult>,
    /// The file as it is shown in messages.
    pub file: String,
    /// Warnings about the file as a whole: columns not read, sheets left
    /// out. They reject nothing, but whoever bills should see them.
    pub notes: Vec<Diagnostic>,
}

/// Reads orders from a CSV, XLSX or YAML file (by extension). A file that
/// cannot be read at all, or whose headers do not match, is an error; bad
/// rows are returned as row errors.
pub fn read(
    rules: &Rules,
    sources: &mut Sources,
    path: &Path,
    encoding: Option<Encoding>,
) -> Result<OrdersRead, Vec<Diagnostic>> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("yaml" | "yml") => read_yaml(sources, path, &name),
        _ => {
            let is_header = number_header(rules);
            let tables = tabular::read_path_all(path, encoding, &is_header)
                .map_err(|e| vec![tabular_diag(&e)])?;
            read_tables(rules, &tables, &is_header, name)
        }
    }
}

/// Whether a cell is a header of the order number, as the rules' imports
/// and the built-in headers name it.
fn number_header(rules: &Rules) -> impl Fn(&str) -> bool {
    let (fields, _) = headers(rules.imports.orders.as_ref());
    let number_headers: Vec<String> = FIELDS
        .iter()
        .position(|(f, _, _)| *f == "number")
        .map(|i| {
            fields[i]
                .iter()
                .map(|h| tabular::normalize_header(h))
                .collect()
        })
        .unwrap_or_default();
    move |cell: &str| number_headers.contains(&tabular::normalize_header(cell))
}

/// The tables of a CSV or XLSX file as [`read`] reads them, for showing
/// rows as written (the rejected rows of `bill --skip-invalid`). Empty for
/// YAML or a file that does not read.
pub fn raw_tables(rules: &Rules, path: &Path, encoding: Option<Encoding>) -> Vec<Table> {
    let yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    if yaml {
        return Vec::new();
    }
    tabular::read_path_all(path, encoding, &number_header(rules)).unwrap_or_default()
}

/// Whether a sheet is one of orders: its header names the order number and
/// at least one other column an order has (a 说明 sheet that mentions 单号
/// in a cell is not).
fn looks_like_orders(rules: &Rules, table: &Table, is_header: &dyn Fn(&str) -> bool) -> bool {
    let (fields, _) = headers(rules.imports.orders.as_ref());
    let known: Vec<String> = fields
        .iter()
        .flatten()
        .map(|h| tabular::normalize_header(h))
        .collect();
    table.headers.iter().any(|h| is_header(h))
        && table
            .headers
            .iter()
            .filter(|h| !is_header(h) && known.contains(&tabular::normalize_header(h)))
            .count()
            >= 1
}

/// The orders of a file's tables (a workbook's sheets). A sheet without
/// an order-number column (说明, a price list) is not a sheet of orders:
/// left out with a warning when another sheet has orders, an error when
/// none does.
fn read_tables(
    rules: &Rules,
    tables: &[Table],
    is_header: &dyn Fn(&str) -> bool,
    name: String,
) -> Result<OrdersRead, Vec<Diagnostic>> {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut not_orders = Vec::new();
    let mut errors = Vec::new();
    let (hidden, tables): (Vec<&Table>, Vec<&Table>) = tables.iter().partition(|t| t.hidden);
    for t in hidden {
        if looks_like_orders(rules, t, is_header) && !t.rows.is_empty() {
            let sheet = t.sheet.as_deref().unwrap_or("");
            notes.push(
                Diagnostic::warning(
                    "sheet-not-read",
                    format!(
                        "sheet `{sheet}` is hidden: its {} row{} of orders {} not read",
                        t.rows.len(),
                        if t.rows.len() == 1 { "" } else { "s" },
                        if t.rows.len() == 1 { "is" } else { "are" },
                    ),
                )
                .at_place(Place::File(name.clone()), "")
                .hint("to bill them, unhide the sheet in Excel or WPS (right-click a sheet tab → Unhide / 取消隐藏); if they are old orders, delete the sheet"),
            );
        }
    }
    for &table in &tables {
        if tables.len() > 1 && !looks_like_orders(rules, table, is_header) {
            not_orders.push(table);
            continue;
        }
        match read_table(rules, table) {
            Ok((r, n)) => {
                rows.extend(r);
                notes.extend(n);
            }
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty()
        && let Some(first) = not_orders.first()
    {
        // No sheet has orders: the first one's missing columns say why.
        return read_table(rules, first).map(|(r, n)| OrdersRead {
            rows: r,
            file: name,
            notes: n,
        });
    }
    for t in not_orders {
        notes.push(
            Diagnostic::warning(
                "sheet-not-read",
                format!(
                    "sheet `{}` is not read: its header is not one of orders (单号 with 客户名称, 服务项目, …)",
                    t.sheet.as_deref().unwrap_or("")
                ),
            )
            .at_place(Place::File(name.clone()), "")
            .hint("if it holds orders, give it the same header row as the other sheets"),
        );
    }
    Ok(OrdersRead {
        rows,
        file: name,
        notes,
    })
}

fn tabular_diag(e: &tabular::TabularError) -> Diagnostic {
    let d = Diagnostic::error("input", e.message.clone()).at_place(
        match e.row {
            Some(row) => Place::Cell {
                file: e.file.clone(),
                row,
                column: e.column.clone(),
            },
            None => Place::File(e.file.clone()),
        },
        "",
    );
    d.hint_opt(e.hint.clone())
}

/// A YAML file with one order, or `orders:` with a list.
fn read_yaml(
    sources: &mut Sources,
    path: &Path,
    name: &str,
) -> Result<OrdersRead, Vec<Diagnostic>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct List {
        orders: Vec<OrderFile>,
    }
    let bytes = std::fs::read(path).map_err(|e| {
        vec![
            Diagnostic::error("input", format!("cannot read `{name}`: {e}")).hint("check the path"),
        ]
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|e| vec![crate::text::not_utf8(name, "orders file", e).1])?;
    let is_list = text.lines().any(|l| l.starts_with("orders:"));
    let id = sources.add(SourceFile::new(name, text));
    let (orders, bad) = if is_list {
        // Every order that does not read is reported, not only the first,
        // each as a bad row of its own: the others read.
        match crate::yaml::parse_salvaging::<List>(sources, id, "orders file") {
            Ok(l) => (l.orders, Vec::new()),
            Err((Some(l), bad)) => (l.orders, bad),
            Err((None, problems)) => return Err(problems),
        }
    } else {
        let order =
            crate::yaml::parse::<OrderFile>(sources, id, "order file").map_err(|d| vec![d])?;
        (vec![order], Vec::new())
    };
    Ok(OrdersRead {
        rows: orders
            .iter()
            .map(|o| Ok(o.to_input()))
            .chain(bad.into_iter().map(|d| Err(vec![d])))
            .collect(),
        file: name.to_string(),
        notes: Vec::new(),
    })
}

/// Maps a table's rows to orders.
/// The headers each field of [`FIELDS`] is read from (those the rules'
/// `imports.orders.columns` give, else the built-in ones), in the order of
/// `FIELDS`; then each formula input's (built-in, or from
/// `imports.orders.inputs`).
#[allow(clippy::type_complexity)]
pub fn headers(
    configured: Option<&OrderColumns>,
) -> (Vec<Vec<String>>, Vec<(String, Vec<String>)>) {
    let fields = FIELDS
        .iter()
        .map(
            |(field, builtin, _)| match configured.and_then(|c| c.columns.get(*field)) {
                Some(h) => h.value.clone(),
                None => builtin.iter().map(|s| s.to_string()).collect(),
            },
        )
        .collect();
    let mut inputs: BTreeMap<String, Vec<String>> = INPUTS
        .iter()
        .map(|(k, hs)| (k.to_string(), hs.iter().map(|s| s.to_string()).collect()))
        .collect();
    if let Some(c) = configured {
        for (k, hs) in &c.inputs {
            inputs.insert(k.clone(), hs.clone());
        }
    }
    (fields, inputs.into_iter().collect())
}

/// The orders of one table, and a warning naming the columns it does not
/// read.
pub fn read_table(
    rules: &Rules,
    table: &Table,
) -> Result<(Vec<RowResult>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let (header_lists, input_lists) = headers(rules.imports.orders.as_ref());
    let header_refs: Vec<Vec<&str>> = header_lists
        .iter()
        .map(|v| v.iter().map(String::as_str).collect())
        .collect();
    let input_refs: Vec<Vec<&str>> = input_lists
        .iter()
        .map(|(_, v)| v.iter().map(String::as_str).collect())
        .collect();
    let mut specs: Vec<FieldSpec> = FIELDS
        .iter()
        .zip(&header_refs)
        .map(|((name, _, required), headers)| FieldSpec {
            name,
            headers,
            required: *required,
        })
        .collect();
    for ((name, _), headers) in input_lists.iter().zip(&input_refs) {
        specs.push(FieldSpec {
            name,
            headers,
            required: false,
        });
    }
    let map = tabular::map_columns(table, &specs)
        .map_err(|errors| errors.iter().map(tabular_diag).collect::<Vec<_>>())?;
    let inputs: Vec<&str> = input_lists.iter().map(|(k, _)| k.as_str()).collect();
    let shared = SharedPlaces {
        file: Arc::from(table.file.as_str()),
        columns: Arc::new(
            FIELDS
                .iter()
                .filter_map(|(field, _, _)| {
                    map.header(field)
                        .map(|h| (field.to_string(), h.to_string()))
                })
                .collect(),
        ),
    };
    // A column nothing reads is said once: `材料款` for 材料费 would
    // otherwise bill every repair without its materials, silently.
    let unread: Vec<String> = table
        .headers
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.is_empty() && !map.is_mapped(*i))
        .map(|(_, h)| format!("`{h}`"))
        .collect();
    let mut notes = Vec::new();
    if !unread.is_empty() {
        let known: Vec<&str> = header_lists
            .iter()
            .filter_map(|h| h.first().map(String::as_str))
            .chain(
                input_lists
                    .iter()
                    .filter_map(|(_, h)| h.first().map(String::as_str)),
            )
            .collect();
        notes.push(
            Diagnostic::warning(
                "column-not-read",
                format!(
                    "{} {} not read: no order field has {} header",
                    unread.join(", "),
                    if unread.len() == 1 { "is" } else { "are" },
                    if unread.len() == 1 { "its" } else { "their" },
                ),
            )
            .at_place(Place::File(table.file.clone()), "")
            .hint(format!(
                "if one holds what an order needs, name it as feebook reads it ({}), or under `imports.orders` in the rules",
                known.join(", ")
            )),
        );
    }
    // A template's rows numbered ahead (序号 2, 3, 4 … and nothing else):
    // blank forms, not orders missing every field.
    let blank = |row: &Row| {
        row.cells
            .iter()
            .enumerate()
            .all(|(i, c)| c.is_empty() || !map.is_mapped(i))
    };
    let blank_rows = table.rows.iter().filter(|r| blank(r)).count();
    if blank_rows > 0 {
        notes.push(
            Diagnostic::warning(
                "blank-rows",
                format!(
                    "{blank_rows} row{} with nothing in the columns read (a template's rows numbered ahead) {} not read",
                    if blank_rows == 1 { "" } else { "s" },
                    if blank_rows == 1 { "is" } else { "are" },
                ),
            )
            .at_place(Place::File(table.file.clone()), ""),
        );
    }
    let read_rows: Vec<&Row> = table.rows.iter().filter(|r| !blank(r)).collect();
    let rows: Vec<RowResult> = read_rows
        .iter()
        .map(|row| read_row(&table.file, &map, row, &inputs, &shared))
        .chain(table.bad_rows.iter().map(|e| Err(vec![tabular_diag(e)])))
        .collect();
    let wanted = missing_columns(rules, table, &read_rows, &map, &header_lists, &rows);
    if !wanted.is_empty() {
        return Err(wanted);
    }
    Ok((rows, notes))
}

/// A column the procedure's checks read (the customer's signature, the
/// supervisor's check) is needed even though an order can be read without
/// it: missing, every row it concerns would break its policy with nothing
/// to point at. One error for the file, not one per row. A policy with a
/// `when` needs the column only if some row is concerned (a file with no
/// 长期协议 order needs no 协议编号 column).
fn missing_columns(
    rules: &Rules,
    table: &Table,
    read_rows: &[&Row],
    map: &ColumnMap,
    header_lists: &[Vec<String>],
    rows: &[RowResult],
) -> Vec<Diagnostic> {
    let mut wanted: Vec<Diagnostic> = Vec::new();
    let mut said: Vec<&str> = Vec::new();
    for p in rules.policies.iter().filter(|p| p.on == RecordKind::Order) {
        let Some(field) = p.field.as_deref() else {
            continue;
        };
        let Some(i) = FIELDS.iter().position(|(name, _, _)| *name == field) else {
            continue;
        };
        if map.header(field).is_some() || said.contains(&field) {
            continue;
        }
        let which = if p.when.is_none() {
            "every order".to_string()
        } else {
            // The rows read are the table's rows, in order.
            let concerned: Vec<usize> = read_rows
                .iter()
                .zip(rows)
                .filter_map(|(row, read)| {
                    let o = read.as_ref().ok()?;
                    crate::policy::may_concern(rules, p, &crate::policy::unpriced_order_record(o))
                        .then_some(row.number)
                })
                .collect();
            match concerned.as_slice() {
                [] => continue,
                [one] => format!("an order of it (row {one})"),
                many => {
                    let shown: Vec<String> = many.iter().take(5).map(usize::to_string).collect();
                    format!(
                        "{} of its orders (rows {}{})",
                        many.len(),
                        shown.join(", "),
                        if many.len() > 5 { ", …" } else { "" }
                    )
                }
            }
        };
        said.push(field);
        let headers = header_lists[i].join(", ");
        wanted.push(
            Diagnostic::error(
                "missing-column",
                format!(
                    "the file has no column for `{field}` ({headers}), which policy `{}` checks on {which}",
                    p.id
                ),
            )
            .at_place(Place::File(table.file.clone()), "")
            .hint(format!(
                "add the column with one of these headers: {headers}; or name the file's header for it under `imports.orders.columns` in the rules"
            )),
        );
    }
    wanted
}

/// What every row of a table shares for its places.
struct SharedPlaces {
    file: Arc<str>,
    columns: Arc<BTreeMap<String, String>>,
}

fn read_row(
    file: &str,
    map: &ColumnMap,
    row: &Row,
    inputs: &[&str],
    shared: &SharedPlaces,
) -> RowResult {
    let mut o = OrderInput {
        places: FieldPlaces::Row {
            file: Arc::clone(&shared.file),
            row: row.number,
            columns: Arc::clone(&shared.columns),
        },
        ..OrderInput::default()
    };
    let mut problems = Vec::new();
    let cell = |field: &str| map.get(row, field).map(str::trim).filter(|s| !s.is_empty());
    let place = |field: &str| Place::Cell {
        file: file.to_string(),
        row: row.number,
        column: map.header(field).map(str::to_string),
    };
    let bad = |field: &str, message: String, hint: &str| {
        Diagnostic::error("bad-cell", message)
            .at_place(place(field), "")
            .hint(hint.to_string())
    };
    let required = |field: &str, what: &str, problems: &mut Vec<Diagnostic>| -> Option<String> {
        let v = cell(field).map(str::to_string);
        if v.is_none() {
            problems.push(
                Diagnostic::error("missing-value", format!("no {what}"))
                    .at_place(place(field), "empty")
                    .hint(format!(
                        "fill in the {what}; a row without it cannot be billed"
                    )),
            );
        }
        v
    };
    o.number = required("number", "order number (单号)", &mut problems)
        .map(|n| crate::order::number_key(&n));
    o.customer = required("customer", "customer (客户名称)", &mut problems).unwrap_or_default();
    o.address = required("address", "address (地址)", &mut problems).unwrap_or_default();
    o.job = cell("job").map(str::to_string);
    // An order of an approved temporary job is priced by the job: its
    // item and quantity cells may stay empty (pricing refuses them filled).
    let of_job = o.job.is_some();
    o.item = if of_job {
        cell("item").map(str::to_string)
    } else {
        required("item", "service item (服务项目)", &mut problems)
    }
    .unwrap_or_default();
    o.phone = cell("phone").map(str::to_string);
    o.service_time = cell("service_time").map(str::to_string);
    o.staff = cell("staff").map(str::to_string);
    o.request = cell("request").map(str::to_string);
    o.verified_by = cell("verified_by").map(str::to_string);
    o.verification_note = cell("verification_note").map(str::to_string);
    o.agreement = cell("agreement").map(str::to_string);
    let quantity = if of_job {
        cell("quantity").map(str::to_string)
    } else {
        required("quantity", "quantity (数量)", &mut problems)
    };
    if let Some(q) = quantity {
        match Qty::parse(&q) {
            Ok(q) => o.quantity = Some(q.0),
            Err(e) => problems.push(bad(
                "quantity",
                format!("quantity: {e}"),
                "write the quantity as digits, e.g. 85 or 1.5",
            )),
        }
    }
    let date = |field: &'static str,
                req: bool,
                what: &str,
                problems: &mut Vec<Diagnostic>|
     -> Option<NaiveDate> {
        let text = if req {
            required(field, what, problems)?
        } else {
            cell(field)?.to_string()
        };
        match parse_date(&text) {
            Some(d) => Some(d),
            None => {
                // A date cell Excel shows as a number (its format set to
                // 常规/General) holds the day's serial number.
                let serial = text
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (36_526..=73_051).contains(n))
                    .and_then(|n| {
                        NaiveDate::from_ymd_opt(1899, 12, 30)?
                            .checked_add_signed(chrono::Duration::days(n))
                    });
                problems.push(match serial {
                    Some(day) => bad(
                        field,
                        format!("{what}: `{text}` is not a date; it looks like Excel's serial number for {day}"),
                        "the cell's format is 常规 (General): format the column as a date (设置单元格格式 → 日期) and save again",
                    ),
                    None => bad(
                        field,
                        format!("{what}: `{text}` is not a date"),
                        "write dates with the year's four digits first: 2026-11-20, 2026/11/20 or 2026年11月20日",
                    ),
                });
                None
            }
        }
    };
    o.service_date = date(
        "service_date",
        true,
        "service date (服务日期)",
        &mut problems,
    );
    o.date = date("date", false, "registration date (登记日期)", &mut problems);
    o.completed_on = date(
        "completed_on",
        false,
        "completion date (完成日期)",
        &mut problems,
    );
    o.verified_on = date(
        "verified_on",
        false,
        "verification date (核对日期)",
        &mut problems,
    );
    if let Some(s) = required("settlement", "settlement mode (结算方式)", &mut problems) {
        match Settlement::parse(&s) {
            Some(s) => o.settlement = Some(s),
            None => problems.push(bad(
                "settlement",
                format!("settlement mode `{s}` is not known"),
                "write 月结, 即时结算 or 长期协议",
            )),
        }
    }
    if let Some(s) = cell("customer_signed") {
        match parse_bool(s) {
            Some(b) => o.customer_signed = b,
            None => problems.push(bad(
                "customer_signed",
                format!("客户签字 `{s}` is neither yes nor no"),
                "write 是 or 否 (已签 / 未签, √ / ×)",
            )),
        }
    }
    for input in inputs {
        if let Some(v) = cell(input) {
            o.inputs.insert(
                input.to_string(),
                GivenInput {
                    text: v.to_string(),
                    place: Some(Place::Cell {
                        file: file.to_string(),
                        row: row.number,
                        column: map.header(input).map(str::to_string),
                    }),
                },
            );
        }
    }
    if problems.is_empty() {
        Ok(o)
    } else {
        Err(problems)
    }
}

/// 2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日 (and a time after a
/// space, which is ignored).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let s = s.split_whitespace().next().unwrap_or(s);
    let s = s.trim_end_matches('日');
    let normalized: String = s
        .chars()
        .map(|c| {
            if matches!(c, '/' | '.' | '年' | '月') {
                '-'
            } else {
                c
            }
        })
        .collect();
    let mut parts = normalized.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    // The year has its four digits: `26-11-15` is not taken for the year 26,
    // nor `11/15/2026` for the year 11.
    let digits = |t: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(y, 4..=4) && digits(m, 1..=2) && digits(d, 1..=2)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "是" | "已签" | "已签字" | "√" | "✓" | "y" | "yes" | "true" | "1" | "有" => {
            Some(true)
        }
        "否" | "未签" | "未签字" | "×" | "x" | "n" | "no" | "false" | "0" | "无" => {
            Some(false)
        }
        _ => None,
    }
}

/// Reports order numbers that appear more than once, at every place.
pub fn duplicate_numbers(rows: &[(&OrderInput, &str)]) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (o, _)) in rows.iter().enumerate() {
        if let Some(n) = &o.number {
            seen.entry(n.as_str()).or_default().push(i);
        }
    }
    let mut dups: Vec<(&str, Vec<usize>)> = seen.into_iter().filter(|(_, v)| v.len() > 1).collect();
    dups.sort_by_key(|(_, v)| v[0]);
    dups.into_iter()
        .map(|(number, idx)| {
            let mut d = Diagnostic::error(
                "duplicate-order",
                format!("order number {number} appears {} times", idx.len()),
            );
            if let Some(p) = rows[idx[1]].0.place("number") {
                d = d.at_place(p, "again here");
            }
            if let Some(p) = rows[idx[0]].0.place("number") {
                d.secondary.push(crate::diagnostic::Label {
                    place: p,
                    text: "first here".into(),
                });
            }
            d.hint("an order is billed once: remove the duplicate row, or correct its number")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_office_formats() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 20);
        for s in [
            "2026-11-20",
            "2026/11/20",
            "2026.11.20",
            "2026年11月20日",
            "2026-11-20 14:30",
            "2026/11/20",
        ] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        assert_eq!(parse_date("2026-02-30"), None);
        // A year of two digits, or a date written month first, is not
        // guessed at.
        for s in [
            "26-11-20",
            "11/20/2026",
            "1/12/26",
            "+2026-11-20",
            "02026-11-20",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
        assert_eq!(parse_date("十一月"), None);
    }
}

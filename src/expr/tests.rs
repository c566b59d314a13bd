//! End-to-end tests of the language: compile + evaluate, error reporting,
//! programs, and property tests.

use chrono::{Datelike, NaiveDate, Weekday};
use rust_decimal::Decimal;
use rust_decimal::dec;

use super::*;

// ---------------------------------------------------------------- fixtures

/// Inputs of a typical on-demand service quote.
fn scope() -> Scope {
    let mut s = Scope::new();
    s.add_var("staff", Type::Quantity, false).unwrap(); // 0
    s.add_var("hours", Type::Quantity, false).unwrap(); // 1
    s.add_var("rate", Type::Money, false).unwrap(); // 2
    s.add_var("fee", Type::Money, false).unwrap(); // 3
    s.add_var("tax", Type::Rate, false).unwrap(); // 4
    s.add_var("人数", Type::Quantity, false).unwrap(); // 5
    s.add_var("税率", Type::Rate, false).unwrap(); // 6
    s.add_var("district", Type::Text, false).unwrap(); // 7
    s.add_var("urgent", Type::Bool, false).unwrap(); // 8
    s.add_var("start", Type::Date, false).unwrap(); // 9
    s.add_var("end", Type::Date, false).unwrap(); // 10
    s.add_var("deposit", Type::Money, true).unwrap(); // 11
    s.add_var("note", Type::Text, true).unwrap(); // 12
    s.add_table(
        "items",
        &[
            Column::new("quantity", Type::Quantity),
            Column::new("unit_price", Type::Money),
            Column::new("discount", Type::Rate).optional(),
        ],
    )
    .unwrap();
    s
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn vars() -> Vec<Value> {
    vec![
        dec!(2).into(),
        dec!(3).into(),
        dec!(45.00).into(),
        dec!(200.00).into(),
        dec!(0.06).into(),
        dec!(4).into(),
        dec!(0.13).into(),
        "朝阳".into(),
        true.into(),
        d("2026-01-01").into(),
        d("2026-01-11").into(),
        Value::Null,
        Value::Null,
    ]
}

fn tables() -> Vec<Table> {
    vec![Table::new(vec![
        vec![dec!(2).into(), dec!(10.50).into(), Value::Null],
        vec![dec!(1).into(), dec!(99.99).into(), Value::Null],
    ])]
}

/// Mon–Fri, except the listed holidays.
struct TestCalendar {
    holidays: Vec<NaiveDate>,
}

impl Calendar for TestCalendar {
    fn is_workday(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }
}

fn calendar() -> TestCalendar {
    TestCalendar {
        holidays: vec![d("2026-01-01")],
    }
}

fn run_with(src: &str, vars: &[Value]) -> Result<Value, EvalError> {
    let e = compile(src, &scope()).unwrap_or_else(|errs| panic!("{src}: {errs:?}"));
    let tables = tables();
    let cal = calendar();
    e.eval(&Env {
        vars,
        tables: &tables,
        calendar: Some(&cal),
    })
}

fn run(src: &str) -> Value {
    run_with(src, &vars()).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn num(src: &str) -> Decimal {
    match run(src) {
        Value::Num(n) => n,
        other => panic!("{src}: {other:?}"),
    }
}

fn ty(src: &str) -> Type {
    compile(src, &scope())
        .unwrap_or_else(|e| panic!("{src}: {e:?}"))
        .ty()
}

/// The first error's code.
fn err(src: &str) -> ExprError {
    match compile(src, &scope()) {
        Ok(e) => panic!("{src} compiled to {:?}", e.ty()),
        Err(mut errs) => errs.remove(0),
    }
}

// ----------------------------------------------------------- evaluation

#[test]
fn arithmetic_precedence_and_associativity() {
    assert_eq!(num("1 + 2 * 3"), dec!(7));
    assert_eq!(num("(1 + 2) * 3"), dec!(9));
    assert_eq!(num("10 - 4 - 3"), dec!(3));
    assert_eq!(num("100 / 10 / 5"), dec!(2));
    assert_eq!(num("-2 * 3"), dec!(-6));
    assert_eq!(num("2 - -3"), dec!(5));
    assert_eq!(num("staff * hours * rate + fee"), dec!(470.00));
    assert_eq!(num("1 / 3 * 3").round_dp(10), dec!(1));
}

#[test]
fn percent_literals_are_rates() {
    assert_eq!(ty("6%"), Type::Rate);
    assert_eq!(num("8.5%"), dec!(0.085));
    assert_eq!(ty("fee * 6%"), Type::Money);
    assert_eq!(num("fee * 6%"), dec!(12));
    assert_eq!(num("fee * (1 + 6%)"), dec!(212));
    assert_eq!(ty("tax + 1%"), Type::Rate);
}

/// `tax > 3` says 300%: refused, pointing at the number; `tax > 0` and
/// `tax > 3%` are fine; a literal too large to be × 100 still gets its
/// message (a panic found by the token-soup property).
#[test]
fn a_rate_is_not_compared_with_a_bare_number() {
    let s = scope();
    for ok in ["tax > 0", "tax > 3%", "tax == 税率", "0 < tax"] {
        assert!(compile(ok, &s).is_ok(), "{ok}");
    }
    for (src, message) in [
        ("tax >= 3", "the bare number 3, which is 300%"),
        ("0.5 < tax", "the bare number 0.5, which is 50%"),
        (
            "tax > 79228162514264337593543950335",
            "which is 79228162514264337593543950335 × 100%",
        ),
    ] {
        let errs = compile(src, &s).unwrap_err();
        assert!(
            errs[0].message.contains(message),
            "{src}: {}",
            errs[0].message
        );
    }
}

#[test]
fn chinese_identifiers() {
    assert_eq!(ty("人数 * 2"), Type::Quantity);
    assert_eq!(num("fee * 税率"), dec!(26));
    assert_eq!(run("人数 > 3 and district == '朝阳'"), Value::Bool(true));
}

#[test]
fn type_rules() {
    use Type::*;
    let ok: &[(&str, Type)] = &[
        ("fee + fee", Money),
        ("fee + 10", Money),
        ("10 - fee", Money),
        ("staff + hours", Quantity),
        ("tax + tax", Rate),
        ("1 + 2", Number),
        ("start + 3", Date),
        ("start + staff", Date),
        ("3 + start", Date),
        ("end - 3", Date),
        ("end - start", Quantity),
        ("rate * staff", Money),
        ("staff * rate", Money),
        ("fee * tax", Money),
        ("tax * fee", Money),
        ("fee * 2", Money),
        ("staff * hours", Quantity),
        ("staff * tax", Quantity),
        ("tax * staff", Quantity),
        ("tax * tax", Rate),
        ("2 * tax", Rate),
        ("fee / staff", Money),
        ("fee / tax", Money),
        ("fee / 2", Money),
        ("fee / rate", Rate),
        ("staff / hours", Quantity),
        ("tax / tax", Rate),
        ("staff / 2", Quantity),
        ("1000 / fee", Rate),
        ("-fee", Money),
        ("fee > 10", Bool),
        ("10 <= fee", Bool),
        ("start < end", Bool),
        ("district == 'x'", Bool),
        ("urgent != false", Bool),
        ("deposit == none", Bool),
        ("none != note", Bool),
        ("staff in [1, 2]", Bool),
        ("abs(fee - 500)", Money),
        ("min(fee, 100)", Money),
        ("max(start, end)", Date),
        ("sum(fee, rate, 1)", Money),
        ("days_between(start, end)", Quantity),
        ("next_workday(start)", Date),
        ("is_workday(start)", Bool),
        ("workdays_between(start, end)", Quantity),
        ("date('2026-01-01')", Date),
        ("sum(items, quantity * unit_price)", Money),
        ("if urgent then fee else 0", Money),
        ("if urgent then none else fee", Money),
    ];
    for &(src, want) in ok {
        assert_eq!(ty(src), want, "{src}");
    }
    let bad: &[(&str, &str, &str)] = &[
        (
            "fee + staff",
            "expr-type-mismatch",
            "cannot add money and a quantity",
        ),
        (
            "staff - fee",
            "expr-type-mismatch",
            "cannot subtract money from a quantity",
        ),
        (
            "fee + tax",
            "expr-type-mismatch",
            "cannot add money and a rate",
        ),
        (
            "fee * rate",
            "expr-type-mismatch",
            "cannot multiply money by money",
        ),
        (
            "staff / fee",
            "expr-type-mismatch",
            "cannot divide a quantity by money",
        ),
        (
            "tax / staff",
            "expr-type-mismatch",
            "cannot divide a rate by a quantity",
        ),
        (
            "start + end",
            "expr-type-mismatch",
            "cannot add a date and a date",
        ),
        (
            "start + fee",
            "expr-type-mismatch",
            "cannot add a date and money",
        ),
        (
            "start * 2",
            "expr-type-mismatch",
            "cannot multiply a date by a number",
        ),
        (
            "district + 'x'",
            "expr-type-mismatch",
            "cannot add text and text",
        ),
        (
            "urgent * 2",
            "expr-type-mismatch",
            "cannot multiply a true/false value by a number",
        ),
        ("-district", "expr-type-mismatch", "cannot negate text"),
        (
            "not fee",
            "expr-type-mismatch",
            "`not` needs a true/false value",
        ),
        (
            "fee > staff",
            "expr-type-mismatch",
            "cannot compare money with a quantity",
        ),
        (
            "start > 3",
            "expr-type-mismatch",
            "cannot compare a date with a number",
        ),
        (
            "district < 'b'",
            "expr-type-mismatch",
            "text can only be compared with `==` and `!=`",
        ),
        (
            "urgent < true",
            "expr-type-mismatch",
            "a true/false value can only be compared",
        ),
        (
            "deposit < none",
            "expr-type-mismatch",
            "`none` cannot be compared with `<`",
        ),
        (
            "fee and urgent",
            "expr-not-bool",
            "`and`/`or` needs a true/false condition",
        ),
        (
            "if fee then 1 else 2",
            "expr-not-bool",
            "`if` needs a true/false condition",
        ),
        (
            "if urgent then fee else staff",
            "expr-branch-mismatch",
            "give money and a quantity",
        ),
        (
            "none + 1",
            "expr-none-misuse",
            "`none` can only be compared",
        ),
        ("none", "expr-always-none", "always `none`"),
        (
            "abs(start)",
            "expr-bad-argument",
            "`abs` needs a number, but this is a date",
        ),
        (
            "min(fee, staff)",
            "expr-bad-argument",
            "`min` mixes money and a quantity",
        ),
        ("sum(district)", "expr-bad-argument", "`sum` needs numbers"),
        ("days_between(start, 3)", "expr-bad-argument", "needs dates"),
        ("round(fee, 1, 2)", "expr-arity", "takes 1 or 2 arguments"),
        ("abs()", "expr-arity", "takes 1 argument, but 0 were given"),
        ("max()", "expr-arity", "at least 1 argument"),
    ];
    for &(src, code, msg) in bad {
        let e = err(src);
        assert_eq!(e.code, code, "{src}: {e}");
        assert!(e.message.contains(msg), "{src}: {}", e.message);
    }
    assert!(err("fee * rate").hint.unwrap().contains("gives a rate"));
    assert!(err("fee + staff").hint.unwrap().contains("multiply"));
}

#[test]
fn all_type_errors_are_reported_at_once() {
    let errs = compile(
        "fee + staff > 1 and urgent * 2 == 1 or stafff > 1",
        &scope(),
    )
    .unwrap_err();
    let codes: Vec<_> = errs.iter().map(|e| e.code).collect();
    assert_eq!(
        codes,
        [
            "expr-type-mismatch",
            "expr-type-mismatch",
            "expr-unknown-name"
        ]
    );
    assert_eq!(errs[0].span, Span::new(0, 11));
    assert_eq!(errs[1].span, Span::new(20, 30));
    assert_eq!(errs[2].span, Span::new(39, 45));
}

#[test]
fn in_lists() {
    assert_eq!(run("district in ['朝阳', '海淀']"), Value::Bool(true));
    assert_eq!(run("district not in ['朝阳', '海淀']"), Value::Bool(false));
    assert_eq!(run("staff in [1, 2, 3]"), Value::Bool(true));
    assert_eq!(run("staff in [-2, 2.0]"), Value::Bool(true));
    assert_eq!(run("tax in [6%, 9%]"), Value::Bool(true));
    assert_eq!(run("start in [date('2026-01-01')]"), Value::Bool(true));
    assert_eq!(run("note in ['a']"), Value::Null);
    assert_eq!(err("staff in [1, 'x']").code, "expr-type-mismatch");
    assert_eq!(err("staff in [1, 'x']").span, Span::new(13, 16));
    assert_eq!(err("fee in [6%]").code, "expr-type-mismatch");
    assert_eq!(err("staff in [hours]").code, "expr-not-constant");
    assert_eq!(err("staff in []").code, "expr-empty-list");
    assert_eq!(err("staff in [none]").code, "expr-none-misuse");
}

#[test]
fn if_expressions() {
    assert_eq!(num("if urgent then fee * 150% else fee"), dec!(300));
    assert_eq!(
        num("if staff > 5 then 1 else if staff > 1 then 2 else 3"),
        dec!(2)
    );
    assert_eq!(
        run("if not urgent then none else district"),
        Value::Text("朝阳".into())
    );
    // Only the chosen branch is evaluated.
    assert_eq!(num("if staff == 0 then 0 else fee / staff"), dec!(100));
}

#[test]
fn null_semantics() {
    let n = Value::Null;
    let t = Value::Bool(true);
    let f = Value::Bool(false);
    assert_eq!(run("deposit + 1"), n);
    assert_eq!(run("deposit * 2 > fee"), n);
    assert_eq!(run("-deposit"), n);
    assert_eq!(run("round(deposit)"), n);
    assert_eq!(run("max(deposit, fee)"), n);
    assert_eq!(run("deposit == none"), t);
    assert_eq!(run("deposit != none"), f);
    assert_eq!(run("none == deposit"), t);
    assert_eq!(run("note == 'x'"), n);
    assert_eq!(run("false and deposit > 5"), f);
    assert_eq!(run("deposit > 5 and false"), f);
    assert_eq!(run("true and deposit > 5"), n);
    assert_eq!(run("true or deposit > 5"), t);
    assert_eq!(run("deposit > 5 or true"), t);
    assert_eq!(run("false or deposit > 5"), n);
    assert_eq!(run("not (deposit > 5)"), n);
    assert_eq!(run("if deposit > 5 then 1 else 2"), n);
    assert_eq!(
        run("if deposit == none then 0 else deposit"),
        Value::Num(dec!(0))
    );

    let mut v = vars();
    v[11] = dec!(800).into();
    assert_eq!(run_with("deposit + 1", &v).unwrap(), Value::Num(dec!(801)));
    assert_eq!(
        run_with("deposit != none and deposit > 500", &v).unwrap(),
        t
    );
}

#[test]
fn nullability_is_tracked_statically() {
    let nullable = |src: &str| compile(src, &scope()).unwrap().nullable();
    assert!(!nullable("fee * 2"));
    assert!(nullable("deposit * 2"));
    assert!(nullable("deposit > 5"));
    assert!(!nullable("deposit == none"));
    assert!(!nullable("if deposit == none then 0 else deposit"));
    assert!(!nullable("if deposit != none then deposit else 0"));
    assert!(!nullable("if not (deposit == none) then deposit else 0"));
    assert!(!nullable("deposit != none and deposit > 500"));
    assert!(!nullable("deposit == none or deposit > 500"));
    assert!(nullable("deposit == none and deposit > 500"));
    assert!(nullable("if urgent then none else fee"));
    assert!(nullable("sum(items, quantity * unit_price * discount)"));
    assert!(!nullable(
        "sum(items, if discount == none then unit_price else unit_price * discount)"
    ));
}

#[test]
fn rounding_functions() {
    assert_eq!(num("round(2.345)"), dec!(2.35));
    assert_eq!(num("round(-2.345)"), dec!(-2.35));
    assert_eq!(num("round(2.5, 0)"), dec!(3));
    assert_eq!(num("round(-2.5, 0)"), dec!(-3));
    assert_eq!(num("round(fee / 3)").to_string(), "66.67");
    assert_eq!(num("round(fee / 3, 4)").to_string(), "66.6667");
    assert_eq!(num("round(staff / 3 * 10)"), dec!(7));
    assert_eq!(num("ceil(fee / 3)"), dec!(66.67));
    assert_eq!(num("floor(fee / 3)"), dec!(66.66));
    assert_eq!(num("ceil(-fee / 3)"), dec!(-66.66));
    assert_eq!(num("floor(-fee / 3)"), dec!(-66.67));
    assert_eq!(num("round(fee)").to_string(), "200.00");
    for src in [
        "round(fee, 11)",
        "round(fee, 1.5)",
        "round(fee, staff)",
        "round(fee, -1)",
        "round(fee, 2%)",
    ] {
        assert_eq!(err(src).code, "expr-bad-digits", "{src}");
    }
    assert_eq!(err("round(fee, 11)").span, Span::new(11, 13));
    assert_eq!(num("round(fee, 2.0)"), dec!(200));
}

#[test]
fn division_by_zero() {
    let e = err("fee / 0");
    assert_eq!((e.code, e.span), ("expr-div-by-zero", Span::new(6, 7)));
    let e = err("fee / (1 - 1)");
    assert_eq!((e.code, e.span), ("expr-div-by-zero", Span::new(6, 13)));
    assert_eq!(err("fee / (0 * 6%)").code, "expr-div-by-zero");

    let mut v = vars();
    v[0] = dec!(0).into();
    let e = run_with("fee + fee / staff", &v).unwrap_err();
    assert_eq!(e.span, Span::new(6, 17));
    assert_eq!(e.message, "division by zero");
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    assert_eq!(
        err("79228162514264337593543950335 * 10").code,
        "expr-overflow"
    );
    let mut v = vars();
    v[3] = Decimal::MAX.into();
    let e = run_with("fee * staff", &v).unwrap_err();
    assert_eq!(e.span, Span::new(0, 11));
    assert!(run_with("fee + fee", &v).is_err());
    assert!(run_with("-fee - fee", &v).is_err());
    assert!(run_with("fee / 0.5", &v).is_err());
    assert!(run_with("start + hours * 99999999999999999999", &v).is_err());
}

#[test]
fn deep_nesting_is_a_compile_error() {
    let deep = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(err(&deep).code, "expr-too-deep");
    let long = vec!["fee"; 100].join(" + ");
    assert_eq!(err(&long).code, "expr-too-deep");
    let ok = vec!["fee"; 50].join(" + ");
    assert_eq!(ty(&ok), Type::Money);
}

#[test]
fn unknown_names_suggest_close_ones() {
    let e = err("stafff * rate");
    assert_eq!((e.code, e.span), ("expr-unknown-name", Span::new(0, 6)));
    assert_eq!(e.hint.as_deref(), Some("did you mean `staff`?"));
    let e = err("人员 * 2");
    assert_eq!(e.hint.as_deref(), Some("did you mean `人数`?"));
    let e = err("quantity * 2");
    assert!(e.hint.unwrap().contains("column of table `items`"));
    let e = err("sum(items, quantiy * unit_price)");
    assert_eq!(e.span, Span::new(11, 18));
    assert_eq!(e.hint.as_deref(), Some("did you mean `quantity`?"));
    let e = err("round * 2");
    assert!(e.hint.unwrap().contains("is a function"));
    let e = err("rund(fee)");
    assert_eq!((e.code, e.span), ("expr-unknown-function", Span::new(0, 4)));
    assert_eq!(e.hint.as_deref(), Some("did you mean `round`?"));
    let e = err("staff(2)");
    assert!(e.hint.unwrap().contains("not a function"));
    // Nothing close: the names there are.
    let hint = err("xyzzy").hint.unwrap();
    assert!(hint.starts_with("names you can use here: "), "{hint}");
    assert!(hint.contains("staff") && hint.contains("人数"), "{hint}");
}

#[test]
fn spans_are_byte_offsets_after_chinese_text() {
    // 人数 is 6 bytes; `+` at 7; `rate` at 9..13.
    let e = err("人数 + rate");
    assert_eq!(e.span, Span::new(0, 13));
    let e = err("税率 * 人数 + 费用");
    assert_eq!((e.code, e.span), ("expr-unknown-name", Span::new(18, 24)));
    assert_eq!(Span::new(18, 24).slice("税率 * 人数 + 费用"), "费用");
    let e = err("district == '上海' and 人数 > '3'");
    assert_eq!(e.span, Span::new(25, 37));
    let e = err("'上海' + ");
    assert_eq!((e.code, e.span), ("expr-unexpected-end", Span::new(11, 11)));
}

#[test]
fn table_sums() {
    assert_eq!(num("sum(items, quantity * unit_price)"), dec!(120.99));
    assert_eq!(
        num("staff * hours * rate + sum(items, quantity * unit_price)"),
        dec!(390.99)
    );
    assert_eq!(num("sum(items, quantity)"), dec!(3));
    assert_eq!(
        num("sum(items, quantity * staff)"),
        dec!(6),
        "outer names stay visible"
    );
    assert_eq!(run("sum(items, unit_price * discount)"), Value::Null);
    let e = compile("sum(items, 1)", &scope()).unwrap();
    assert_eq!(
        e.eval(&Env {
            vars: &vars(),
            tables: &[Table::default()],
            calendar: None
        })
        .unwrap(),
        dec!(0).into()
    );
    assert_eq!(err("items * 2").code, "expr-table-as-value");
    assert_eq!(err("sum(items)").code, "expr-arity");
    assert_eq!(err("sum(items, unit_price, 1)").code, "expr-arity");
    assert_eq!(
        err("sum(items, sum(items, quantity))").code,
        "expr-nested-sum"
    );
    assert_eq!(err("sum(items, quantity > 1)").code, "expr-bad-argument");
    assert_eq!(
        err("sum(items, quantity + unit_price)").code,
        "expr-type-mismatch"
    );
    let e = compile("sum(items, quantity)", &scope()).unwrap();
    let err = e
        .eval(&Env {
            vars: &vars(),
            tables: &[],
            calendar: None,
        })
        .unwrap_err();
    assert_eq!(err.message, "no rows were supplied for this table");
}

#[test]
fn scalar_functions() {
    assert_eq!(num("min(fee, 100, rate)"), dec!(45));
    assert_eq!(num("max(fee, 100, rate)"), dec!(200));
    assert_eq!(num("abs(rate - fee)"), dec!(155));
    assert_eq!(num("sum(fee, rate, 5)"), dec!(250));
    assert_eq!(run("min(start, end)"), Value::Date(d("2026-01-01")));
    assert_eq!(run("date('2026-02-28') + 1"), Value::Date(d("2026-03-01")));
    let e = err("date('2026-02-30')");
    assert_eq!((e.code, e.span), ("expr-bad-date", Span::new(5, 17)));
    assert_eq!(err("date(district)").code, "expr-bad-date");
}

#[test]
fn dates_and_calendar() {
    assert_eq!(num("end - start"), dec!(10));
    assert_eq!(num("days_between(start, end)"), dec!(10));
    assert_eq!(num("days_between(end, start)"), dec!(-10));
    assert_eq!(run("start + 2"), Value::Date(d("2026-01-03")));
    assert_eq!(run("end - staff"), Value::Date(d("2026-01-09")));
    assert_eq!(run("start < end"), Value::Bool(true));
    // 2026-01-01 is a Thursday and a holiday in the test calendar.
    assert_eq!(run("is_workday(start)"), Value::Bool(false));
    assert_eq!(run("is_workday(start + 1)"), Value::Bool(true));
    assert_eq!(run("next_workday(start)"), Value::Date(d("2026-01-02")));
    assert_eq!(
        run("next_workday(date('2026-01-02'))"),
        Value::Date(d("2026-01-05"))
    );
    // Mon 29, Tue 30, Wed 31 Dec, (Thu 1 Jan holiday), Fri 2 Jan.
    assert_eq!(
        num("workdays_between(date('2025-12-29'), date('2026-01-05'))"),
        dec!(4)
    );
    assert_eq!(
        num("workdays_between(date('2026-01-05'), date('2025-12-29'))"),
        dec!(-4)
    );

    let e = compile("next_workday(start)", &scope()).unwrap();
    assert!(e.uses_calendar());
    assert!(!compile("start + 1", &scope()).unwrap().uses_calendar());
    let err = e
        .eval(&Env {
            vars: &vars(),
            tables: &[],
            calendar: None,
        })
        .unwrap_err();
    assert_eq!(
        (err.span, err.message.contains("calendar")),
        (Span::new(0, 19), true)
    );

    let err = run_with("start + hours / 2", &vars()).unwrap_err();
    assert_eq!(
        err.message,
        "dates can only be moved by a whole number of days"
    );
    assert!(run_with("start + 99999999", &vars()).is_err());
}

#[test]
fn bad_inputs_are_errors_at_the_name() {
    let mut v = vars();
    v[0] = "two".into();
    let e = run_with("fee + staff * rate", &v).unwrap_err();
    assert_eq!(e.span, Span::new(6, 11));
    assert!(e.message.contains("should be a number"));
    let e = run_with("fee * 2", &v[..2]).unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (Span::new(0, 3), "no value was supplied for this input")
    );
}

#[test]
fn names_are_listed_with_spans() {
    let e = compile(
        "staff * 人数 * rate + sum(items, quantity * rate)",
        &scope(),
    )
    .unwrap();
    let names: Vec<(&str, Span)> = e.names().iter().map(|u| (&*u.name, u.span)).collect();
    assert_eq!(
        names,
        [
            ("staff", Span::new(0, 5)),
            ("人数", Span::new(8, 14)),
            ("rate", Span::new(17, 21)),
            ("items", Span::new(28, 33)),
            ("quantity", Span::new(35, 43)),
            ("rate", Span::new(46, 50)),
        ]
    );
    assert_eq!(
        e.names()[1].kind,
        NameKind::Var {
            slot: 5,
            ty: Type::Quantity
        }
    );
    assert_eq!(e.names()[3].kind, NameKind::Table { slot: 0 });
    assert_eq!(
        e.names()[4].kind,
        NameKind::Column {
            table: 0,
            column: 0,
            ty: Type::Quantity
        }
    );
    assert_eq!(e.ty(), Type::Money);
    assert_eq!(
        e.source(),
        "staff * 人数 * rate + sum(items, quantity * rate)"
    );
}

#[test]
fn explain_substitutes_values() {
    let e = compile(
        "staff * hours * rate + sum(items, quantity * unit_price) - fee * tax",
        &scope(),
    )
    .unwrap();
    let (v, t) = (vars(), tables());
    let env = Env {
        vars: &v,
        tables: &t,
        calendar: None,
    };
    assert_eq!(
        e.pretty(),
        "staff × hours × rate + sum(items, quantity × unit_price) - fee × tax"
    );
    assert_eq!(e.explain(&env), "2 × 3 × 45.00 + 120.99 - 200.00 × 6%");
    let e = compile("fee - -deposit", &scope()).unwrap();
    let mut v2 = vars();
    v2[11] = dec!(-5).into();
    assert_eq!(e.explain(&Env { vars: &v2, ..env }), "200.00 - -(-5)");
    let e = compile("district in ['朝阳'] and note == none", &scope()).unwrap();
    assert_eq!(e.explain(&env), "'朝阳' in ['朝阳'] and none == none");
}

#[test]
fn constant_folding_keeps_semantics() {
    assert_eq!(num("fee * (1 + 6%)"), dec!(212));
    assert_eq!(
        run("date('2026-01-01') + 31 == date('2026-02-01')"),
        Value::Bool(true)
    );
    assert_eq!(run("none == none"), Value::Bool(true));
    assert_eq!(run("if true then 1 else 2"), Value::Num(dec!(1)));
}

#[test]
fn scope_rejects_bad_declarations() {
    let mut s = Scope::new();
    s.add_var("a", Type::Money, false).unwrap();
    assert_eq!(
        s.add_var("a", Type::Money, false),
        Err(ScopeError::Duplicate("a".into()))
    );
    assert_eq!(
        s.add_var("unit price", Type::Money, false),
        Err(ScopeError::InvalidName("unit price".into()))
    );
    assert_eq!(
        s.add_var("if", Type::Money, false),
        Err(ScopeError::InvalidName("if".into()))
    );
    assert!(matches!(
        s.add_table(
            "t",
            &[Column::new("x", Type::Money), Column::new("x", Type::Money)]
        ),
        Err(ScopeError::DuplicateColumn { .. })
    ));
    assert_eq!(s.add_table("t", &[Column::new("a", Type::Money)]), Ok(0));
}

// ---------------------------------------------------------------- programs

fn quote_program() -> Program {
    use RoundingMode::HalfAwayFromZero as H;
    compile_program(
        &scope(),
        &[
            LineSpec::new("total", "subtotal + vat"),
            LineSpec::new("labour", "staff * hours * rate").rounded(2, H),
            LineSpec::new("materials", "sum(items, quantity * unit_price)"),
            LineSpec::new("subtotal", "labour + materials + surcharge"),
            LineSpec::new("vat", "subtotal * 6%").rounded(2, H),
            LineSpec::new("surcharge", "if urgent then 50 else 0").typed(Type::Money),
        ],
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn programs_evaluate_in_dependency_order() {
    let p = quote_program();
    assert_eq!(p.order(), &[1, 2, 5, 3, 4, 0]);
    assert_eq!(p.lines()[3].deps(), &[1, 2, 5]);
    assert_eq!(p.lines()[5].ty(), Type::Money);
    assert_eq!(p.lines()[3].ty(), Type::Money);
    assert_eq!(p.line_index("vat"), Some(4));
    let (v, t) = (vars(), tables());
    let env = Env {
        vars: &v,
        tables: &t,
        calendar: None,
    };
    let values = p.eval(&env).unwrap();
    let nums: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    assert_eq!(
        nums,
        ["467.45", "270.00", "120.99", "440.99", "26.46", "50"]
    );
    let explained = p.explain(&env, &values);
    assert_eq!(
        explained[1],
        "labour = staff × hours × rate = 2 × 3 × 45.00 = 270.00"
    );
    assert_eq!(
        explained[4],
        "vat = subtotal × 6% = 440.99 × 6% = 26.4594 ≈ 26.46"
    );
    assert_eq!(
        explained[2],
        "materials = sum(items, quantity × unit_price) = 120.99"
    );
    assert_eq!(
        explained[5],
        "surcharge = if urgent then 50 else 0 = if true then 50 else 0 = 50"
    );
    assert_eq!(
        explained[0],
        "total = subtotal + vat = 440.99 + 26.46 = 467.45"
    );
    let uses: Vec<&str> = p.lines()[0]
        .expr()
        .names()
        .iter()
        .map(|u| &*u.name)
        .collect();
    assert_eq!(uses, ["subtotal", "vat"]);
}

#[test]
fn rounded_results_are_visible_to_later_lines() {
    let p = compile_program(
        &scope(),
        &[
            LineSpec::new("third", "fee / 3").rounded(2, RoundingMode::HalfAwayFromZero),
            LineSpec::new("back", "third * 3"),
            LineSpec::new("up", "fee / 3").rounded(1, RoundingMode::Up),
            LineSpec::new("down", "-fee / 3").rounded(1, RoundingMode::Down),
        ],
    )
    .unwrap();
    let v = vars();
    let values = p
        .eval(&Env {
            vars: &v,
            ..Env::default()
        })
        .unwrap();
    // Line rounding uses money's modes: `down` is toward zero (去尾), so
    // -66.666… becomes -66.6, as a refund of a third would be written.
    assert_eq!(
        values,
        [
            dec!(66.67).into(),
            dec!(200.01).into(),
            dec!(66.7).into(),
            dec!(-66.6).into()
        ]
    );
}

#[test]
fn program_cycles_are_reported_with_spans() {
    let errs = compile_program(
        &scope(),
        &[
            LineSpec::new("a", "fee + b"),
            LineSpec::new("b", "a * 2"),
            LineSpec::new("c", "c + 1"),
            LineSpec::new("d", "a + fee"),
            LineSpec::new("e", "fee"),
        ],
    )
    .unwrap_err();
    let got: Vec<(usize, &str, Span, &str)> = errs
        .iter()
        .map(|(i, e)| (*i, e.code, e.span, e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                0,
                "expr-cycle",
                Span::new(6, 7),
                "`a` depends on itself: a → b → a"
            ),
            (
                1,
                "expr-cycle",
                Span::new(0, 1),
                "`b` depends on itself: b → a → b"
            ),
            (
                2,
                "expr-cycle",
                Span::new(0, 1),
                "`c` depends on itself: c → c"
            ),
        ]
    );
}

#[test]
fn program_name_errors() {
    let errs = compile_program(
        &scope(),
        &[
            LineSpec::new("a", "fee"),
            LineSpec::new("a", "fee"),
            LineSpec::new("fee", "1"),
            LineSpec::new("bad name", "1"),
            LineSpec::new("b", "a + subtotl"),
            LineSpec::new("subtotal", "fee +"),
            LineSpec::new("c", "subtotal * 2"),
        ],
    )
    .unwrap_err();
    let got: Vec<(usize, &str)> = errs.iter().map(|(i, e)| (*i, e.code)).collect();
    assert_eq!(
        got,
        [
            (1, "expr-duplicate-line"),
            (2, "expr-line-shadows-input"),
            (3, "expr-bad-line-name"),
            (4, "expr-unknown-name"),
            (5, "expr-unexpected-end"),
        ],
        "a line using a broken line is not reported again"
    );
    assert_eq!(errs[3].1.hint.as_deref(), Some("did you mean `subtotal`?"));
    assert_eq!(errs[3].1.span, Span::new(4, 11));
}

#[test]
fn program_type_errors() {
    let errs = compile_program(
        &scope(),
        &[
            LineSpec::new("a", "staff * 2").typed(Type::Money),
            LineSpec::new("b", "district").rounded(2, RoundingMode::Up),
            LineSpec::new("c", "x").rounded(11, RoundingMode::Up),
            LineSpec::new("d", "staff * 2"),
            LineSpec::new("e", "d + fee"),
        ],
    )
    .unwrap_err();
    let got: Vec<(usize, &str)> = errs.iter().map(|(i, e)| (*i, e.code)).collect();
    assert_eq!(
        got,
        [
            (0, "expr-line-type"),
            (1, "expr-bad-round"),
            (2, "expr-bad-digits"),
            (2, "expr-unknown-name"),
            (4, "expr-type-mismatch"),
        ]
    );
}

#[test]
fn program_runtime_errors_name_the_line() {
    let p = compile_program(
        &scope(),
        &[
            LineSpec::new("a", "fee"),
            LineSpec::new("b", "fee / (staff - 2)"),
        ],
    )
    .unwrap();
    let v = vars();
    let (line, e) = p
        .eval(&Env {
            vars: &v,
            ..Env::default()
        })
        .unwrap_err();
    assert_eq!((line, e.span), (1, Span::new(0, 17)));
}

#[test]
fn program_nullability_flows_between_lines() {
    let p = compile_program(
        &scope(),
        &[
            LineSpec::new("dep", "deposit * 2"),
            LineSpec::new("safe", "if dep == none then 0 else dep"),
        ],
    )
    .unwrap();
    assert!(p.lines()[0].expr().nullable());
    assert!(!p.lines()[1].expr().nullable());
    let v = vars();
    assert_eq!(
        p.eval(&Env {
            vars: &v,
            ..Env::default()
        })
        .unwrap(),
        [Value::Null, dec!(0).into()]
    );
}

#[test]
fn a_line_expr_evaluated_alone_reports_it() {
    let p = compile_program(
        &scope(),
        &[LineSpec::new("a", "fee"), LineSpec::new("b", "a * 2")],
    )
    .unwrap();
    let v = vars();
    let e = p.lines()[1]
        .expr()
        .eval(&Env {
            vars: &v,
            ..Env::default()
        })
        .unwrap_err();
    assert!(e.message.contains("evaluate the whole program"));
}

// ------------------------------------------------------------- properties

mod props {
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::super::*;
    use super::{scope, tables, vars};

    const WORDS: &[&str] = &[
        "(",
        ")",
        "[",
        "]",
        ",",
        "+",
        "-",
        "*",
        "/",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "and",
        "or",
        "not",
        "in",
        "if",
        "then",
        "else",
        "true",
        "false",
        "none",
        "staff",
        "fee",
        "rate",
        "tax",
        "人数",
        "税率",
        "district",
        "deposit",
        "start",
        "items",
        "quantity",
        "unit_price",
        "sum",
        "round",
        "min",
        "date",
        "days_between",
        "next_workday",
        "0",
        "1",
        "6%",
        "2.5",
        "79228162514264337593543950335",
        "'朝阳'",
        "'2026-01-01'",
        "%",
        "=",
        "'",
        "\\",
    ];

    fn eval_all(src: &str) {
        if let Ok(e) = compile(src, &scope()) {
            let (v, t) = (vars(), tables());
            let cal = super::calendar();
            let _ = e.eval(&Env {
                vars: &v,
                tables: &t,
                calendar: Some(&cal),
            });
            let _ = e.eval(&Env::default());
            let _ = e.explain(&Env {
                vars: &v,
                tables: &t,
                calendar: None,
            });
        }
    }

    /// A random well-typed money expression over money and quantity inputs.
    fn money_expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("fee".to_string()),
            Just("rate".to_string()),
            Just("deposit".to_string())
        ];
        // Bare literals are untyped numbers, so they only appear next to money.
        let lit =
            || (0u32..100_000, 0u32..4).prop_map(|(m, s)| Decimal::new(m.into(), s).to_string());
        leaf.prop_recursive(6, 48, 3, move |m| {
            let q = prop_oneof![Just("staff"), Just("hours"), Just("人数")];
            prop_oneof![
                (m.clone(), lit()).prop_map(|(a, n)| format!("({a} + {n})")),
                (lit(), m.clone()).prop_map(|(n, a)| format!("({n} - {a})")),
                (m.clone(), lit()).prop_map(|(a, n)| format!("({a} * {n})")),
                (m.clone(), lit()).prop_map(|(a, n)| format!("({a} / {n})")),
                (m.clone(), m.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
                (m.clone(), m.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
                (m.clone(), q.clone()).prop_map(|(a, b)| format!("({a} * {b})")),
                (m.clone(), q).prop_map(|(a, b)| format!("({a} / {b})")),
                (m.clone(), m.clone()).prop_map(|(a, b)| format!("({a} / {b} * {a})")),
                m.clone().prop_map(|a| format!("round({a})")),
                m.clone().prop_map(|a| format!("-{a}")),
                (m.clone(), m.clone()).prop_map(|(a, b)| format!("max({a}, {b})")),
                (m.clone(), m.clone(), m)
                    .prop_map(|(a, b, c)| format!("(if {a} > {b} then {c} else {a})")),
            ]
        })
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(|n| Value::Num(n.into())),
            (any::<i64>(), 0u32..28).prop_map(|(n, s)| Value::Num(Decimal::new(n, s))),
            Just(Value::Num(Decimal::MAX)),
            Just(Value::Num(Decimal::MIN)),
            Just(Value::Num(Decimal::ZERO)),
            Just(Value::Num(Decimal::new(1, 28))),
        ]
    }

    /// Random syntax trees (not necessarily well-typed) for printing and reparsing.
    fn ast() -> impl Strategy<Value = Node> {
        let sp = Span::default();
        let name = prop_oneof![Just("a"), Just("税率"), Just("x_1"), Just("_"), Just("b2")]
            .prop_map(|s| s.to_string());
        let leaf = prop_oneof![
            (any::<u64>(), 0u32..10, any::<bool>()).prop_map(move |(m, s, p)| {
                let value = Decimal::from_i128_with_scale(m.into(), if p { s + 2 } else { s });
                Node::new(NodeKind::Num { value, percent: p }, sp)
            }),
            any::<String>().prop_map(move |s| Node::new(NodeKind::Str(s.into()), sp)),
            any::<bool>().prop_map(move |b| Node::new(NodeKind::Bool(b), sp)),
            Just(Node::new(NodeKind::None, sp)),
            name.clone()
                .prop_map(move |n| Node::new(NodeKind::Name(n.into()), sp)),
        ];
        leaf.prop_recursive(7, 64, 4, move |inner| {
            let bin = prop_oneof![
                Just(BinOp::Add),
                Just(BinOp::Sub),
                Just(BinOp::Mul),
                Just(BinOp::Div),
                Just(BinOp::Eq),
                Just(BinOp::Ne),
                Just(BinOp::Lt),
                Just(BinOp::Le),
                Just(BinOp::Gt),
                Just(BinOp::Ge),
                Just(BinOp::And),
                Just(BinOp::Or),
            ];
            let b = |n: Node| Box::new(n);
            prop_oneof![
                (bin, inner.clone(), inner.clone()).prop_map(move |(op, l, r)| Node::new(
                    NodeKind::Binary {
                        op,
                        lhs: b(l),
                        rhs: b(r)
                    },
                    sp
                )),
                (any::<bool>(), inner.clone()).prop_map(move |(neg, x)| {
                    let op = if neg { UnOp::Neg } else { UnOp::Not };
                    Node::new(NodeKind::Unary { op, operand: b(x) }, sp)
                }),
                (
                    any::<bool>(),
                    inner.clone(),
                    prop::collection::vec(inner.clone(), 0..3)
                )
                    .prop_map(move |(negated, l, list)| Node::new(
                        NodeKind::In {
                            negated,
                            lhs: b(l),
                            list
                        },
                        sp
                    )),
                (inner.clone(), inner.clone(), inner.clone()).prop_map(move |(c, t, e)| {
                    Node::new(
                        NodeKind::If {
                            cond: b(c),
                            then: b(t),
                            els: b(e),
                        },
                        sp,
                    )
                }),
                (name.clone(), prop::collection::vec(inner, 0..3)).prop_map(move |(f, args)| {
                    Node::new(
                        NodeKind::Call {
                            func: f.into(),
                            func_span: sp,
                            args,
                        },
                        sp,
                    )
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn compile_never_panics_on_arbitrary_text(src in any::<String>()) {
            eval_all(&src);
        }

        #[test]
        fn compile_never_panics_on_language_like_text(src in "[a-z0-9()+*/%<>=!,.\\[\\]'\" 税率-]{0,40}") {
            eval_all(&src);
        }

        #[test]
        fn compile_never_panics_on_token_soup(words in prop::collection::vec(prop::sample::select(WORDS), 0..30)) {
            eval_all(&words.join(" "));
            eval_all(&words.concat());
        }

        #[test]
        fn well_typed_arithmetic_never_panics(src in money_expr(), vals in prop::collection::vec(value(), 13)) {
            let e = match compile(&src, &scope()) {
                Ok(e) => e,
                Err(errs) => {
                    // Only constant sub-expressions can fail to compile.
                    for e in &errs {
                        prop_assert!(matches!(e.code, "expr-div-by-zero" | "expr-overflow"), "{src}: {e}");
                    }
                    return Ok(());
                }
            };
            prop_assert_eq!(e.ty(), Type::Money);
            let mut v = vars();
            // Randomise the numeric inputs (staff, hours, rate, fee, 人数, deposit).
            for (slot, val) in [0usize, 1, 2, 3, 5, 11].into_iter().zip(vals) {
                v[slot] = if slot == 11 || !val.is_null() { val } else { Value::Num(Decimal::ONE) };
            }
            match e.eval(&Env { vars: &v, ..Env::default() }) {
                Ok(Value::Num(_) | Value::Null) | Err(_) => {}
                Ok(other) => prop_assert!(false, "{src} gave {other:?}"),
            }
        }

        #[test]
        fn printing_then_parsing_gives_the_same_tree(tree in ast()) {
            let printed = tree.print(Style::Source);
            let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
            prop_assert!(reparsed.same_shape(&tree), "{printed}\n{reparsed:?}\n{tree:?}");
            prop_assert_eq!(reparsed.print(Style::Source), printed);
        }
    }
}

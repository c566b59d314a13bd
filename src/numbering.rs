//! Document numbering patterns such as `SJ{year}-{seq:06}`.
//!
//! A pattern splits into a *series* (everything but the sequence, with the
//! date filled in: `SJ2026-`) and a sequence number. Each series counts from
//! 1 without gaps; the journal hands out the numbers.

use chrono::{Datelike, NaiveDate};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Year,
    Month,
    Day,
    Seq { width: usize },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    parts: Vec<Part>,
    source: String,
}

/// A pattern error: the message and the byte offset in the pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

impl Pattern {
    pub fn parse(source: &str) -> Result<Pattern, PatternError> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut seqs = 0;
        let mut rest = source.char_indices().peekable();
        while let Some((i, c)) = rest.next() {
            if c == '}' {
                return Err(PatternError {
                    offset: i,
                    len: 1,
                    message: "`}` without `{`".into(),
                });
            }
            if c != '{' {
                text.push(c);
                continue;
            }
            let Some(close) = source[i..].find('}') else {
                return Err(PatternError {
                    offset: i,
                    len: source.len() - i,
                    message: "`{` is not closed".into(),
                });
            };
            let inner = &source[i + 1..i + close];
            let part = match inner {
                "year" => Part::Year,
                "month" => Part::Month,
                "day" => Part::Day,
                "seq" => Part::Seq { width: 1 },
                s if s.starts_with("seq:") => {
                    let w = &s[4..];
                    match w.parse::<usize>() {
                        Ok(width) if w.starts_with('0') && (1..=12).contains(&width) => {
                            Part::Seq { width }
                        }
                        _ => {
                            return Err(PatternError {
                                offset: i,
                                len: close + 1,
                                message: format!(
                                    "`{{{s}}}`: the width must be written with a leading zero, 01 to 012, e.g. `{{seq:06}}`"
                                ),
                            });
                        }
                    }
                }
                other => {
                    return Err(PatternError {
                        offset: i,
                        len: close + 1,
                        message: format!(
                            "unknown placeholder `{{{other}}}`; use {{year}}, {{month}}, {{day}} or {{seq:06}}"
                        ),
                    });
                }
            };
            if matches!(part, Part::Seq { .. }) {
                seqs += 1;
            }
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(part);
            // Skip to after the closing brace.
            while let Some(&(j, _)) = rest.peek() {
                if j > i + close {
                    break;
                }
                rest.next();
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        if seqs != 1 {
            return Err(PatternError {
                offset: 0,
                len: source.len(),
                message: if seqs == 0 {
                    "the pattern has no `{seq}`: every number needs a sequence".into()
                } else {
                    "the pattern has more than one `{seq}`".into()
                },
            });
        }
        if source
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
        {
            return Err(PatternError {
                offset: 0,
                len: source.len(),
                message:
                    "numbers may not contain `/`, `\\` or control characters (they name files)"
                        .into(),
            });
        }
        Ok(Pattern {
            parts,
            source: source.to_string(),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The series a document dated `date` belongs to: the pattern with the
    /// date filled in and `{seq}` left as `#`. Numbers of one series are
    /// consecutive.
    pub fn series(&self, date: NaiveDate) -> String {
        self.render(date, None)
    }

    /// The full number for sequence `seq`.
    pub fn number(&self, date: NaiveDate, seq: u64) -> String {
        self.render(date, Some(seq))
    }

    /// The series of `number` if the pattern could have made it (any
    /// date): `BJ2025-0053` under `BJ{year}-{seq:04}` is `BJ2025-#`. A
    /// number typed by hand (a job's) is checked against the series its
    /// date gives.
    pub fn series_of(&self, number: &str) -> Option<String> {
        let mut rest = number;
        let mut series = String::new();
        let digits = |s: &str, n: usize| -> Option<usize> {
            (s.len() >= n && s.as_bytes()[..n].iter().all(u8::is_ascii_digit)).then_some(n)
        };
        for part in &self.parts {
            let taken = match part {
                Part::Text(t) => rest.starts_with(t.as_str()).then_some(t.len())?,
                Part::Year => digits(rest, 4)?,
                Part::Month | Part::Day => digits(rest, 2)?,
                Part::Seq { width } => {
                    let n = rest.bytes().take_while(u8::is_ascii_digit).count();
                    if n == 0 || n < *width {
                        return None;
                    }
                    rest = &rest[n..];
                    series.push('#');
                    continue;
                }
            };
            series.push_str(&rest[..taken]);
            rest = &rest[taken..];
        }
        rest.is_empty().then_some(series)
    }

    fn render(&self, date: NaiveDate, seq: Option<u64>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Year => out.push_str(&format!("{:04}", date.year())),
                Part::Month => out.push_str(&format!("{:02}", date.month())),
                Part::Day => out.push_str(&format!("{:02}", date.day())),
                Part::Seq { width } => match seq {
                    Some(n) => out.push_str(&format!("{n:0width$}")),
                    None => out.push('#'),
                },
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_names_its_series() {
        let p = Pattern::parse("BJ{year}-{seq:04}").unwrap();
        assert_eq!(p.series_of("BJ2026-0031").as_deref(), Some("BJ2026-#"));
        assert_eq!(p.series_of("BJ2025-12345").as_deref(), Some("BJ2025-#"));
        assert_eq!(p.series_of("BJ2026-031"), None);
        assert_eq!(p.series_of("XX-1"), None);
        assert_eq!(p.series_of("BJ2026-0031x"), None);
        let p = Pattern::parse("WX{year}{month}-{seq:05}").unwrap();
        assert_eq!(p.series_of("WX202611-00001").as_deref(), Some("WX202611-#"));
        let date = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        assert_eq!(p.series_of(&p.number(date, 7)), Some(p.series(date)));
    }

    #[test]
    fn renders_series_and_numbers() {
        let p = Pattern::parse("SJ{year}-{seq:06}").unwrap();
        let d: NaiveDate = "2026-03-05".parse().unwrap();
        assert_eq!(p.number(d, 123), "SJ2026-000123");
        assert_eq!(p.series(d), "SJ2026-#");
        let p = Pattern::parse("TZ{year}{month}-{seq:04}").unwrap();
        assert_eq!(p.number(d, 7), "TZ202603-0007");
    }

    #[test]
    fn rejects_bad_patterns() {
        for bad in [
            "SJ{year}",
            "{seq}{seq}",
            "SJ{yr}-{seq}",
            "SJ{seq:6}",
            "A/{seq:04}",
            "{seq",
            "x}{seq}",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }
}

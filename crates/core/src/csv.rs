//! Reading uploaded CSV files (feature `csv`): decoding (UTF-8 or GBK), the staff import file
//! (headers in Chinese or English, each row validated), an award-recipients list and any file as
//! a table of cells by line (the events upload); and the formula guard every exported cell goes
//! through. Pure: the server maps the errors to its own.

use crate::award::RecipientColumn;
use crate::staff::{Column, ValidStaff};
use crate::{Msg, StaffDraft};
use std::collections::HashSet;

/// Decodes an uploaded file: valid UTF-8 (a BOM is dropped) is UTF-8, anything else GB18030.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.strip_prefix('\u{feff}').unwrap_or(s).to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

/// Whether a spreadsheet would run `cell` as a formula (`=HYPERLINK(…)`, `+1`, `-1+2`, `@SUM(…)`,
/// or one starting with a tab or carriage return), or it would look like a guarded one on the
/// way back in (`'=1` as typed).
fn needs_guard(cell: &str) -> bool {
    matches!(
        cell.trim_start_matches('\'').chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠')
    )
}

/// A cell a spreadsheet would run as a formula gets a leading `'`, which spreadsheet programs
/// show as text and do not evaluate (OWASP's advice for CSV injection); so does a cell typed
/// with such a `'` already, so that [`restore`] gives back what was typed.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if needs_guard(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// What [`neutralise`] did, undone: for files exported here and imported again.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

/// Line numbers as an editor shows them (`\r\n`, `\n` or a lone `\r` ends a line), for the
/// csv reader's byte positions, which come in order. The reader counts only `\n`, and a
/// record's position can be before line breaks it then skips (blank lines, the `\n` of a
/// `\r\n`), so neither its line nor its position alone is the line the record starts on.
struct Lines<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            text: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    /// The line of the first byte at or after `byte` that is not a line break.
    fn record_line(&mut self, byte: u64) -> u64 {
        let t = self.text;
        let mut end = (byte as usize).min(t.len());
        while end < t.len() && matches!(t[end], b'\n' | b'\r') {
            end += 1;
        }
        while self.at < end {
            match t[self.at] {
                b'\n' => self.line += 1,
                b'\r' if t.get(self.at + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.at += 1;
        }
        self.line
    }
}

/// A parsed staff import file: which columns it has, and each data row by line number.
#[derive(Debug)]
pub struct StaffFile {
    pub columns: HashSet<Column>,
    pub rows: Vec<(u64, Result<ValidStaff, Vec<Msg>>)>,
}

/// Parses a staff import file (already decoded). Fails as a whole only when the header is
/// unusable; the message is about the file.
pub fn parse_staff(text: &str) -> Result<StaffFile, Msg> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .trim(::csv::Trim::None)
        .from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|_| {
        Msg::new(
            "无法读取文件的第一行（表头）。",
            "The first line (the header) cannot be read.",
        )
    })?;
    let mut index: Vec<(usize, Column)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = Column::from_header(h) {
            if !index.iter().any(|(_, k)| *k == c) {
                index.push((i, c));
            }
        }
    }
    if !index.iter().any(|(_, c)| *c == Column::Name) {
        return Err(Msg::new(
            "文件第 1 行须是表头，并且有「姓名」列（可选列：手机号、部门、工号、钉钉ID）。",
            "Line 1 must be a header with a “name” column (optional: mobile, department, external_id, userId).",
        ));
    }
    let columns: HashSet<Column> = index.iter().map(|(_, c)| *c).collect();
    let mut lines = Lines::new(text);
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.record_line(p.byte()));
                rows.push((
                    line,
                    Err(vec![Msg::new(
                        "这一行无法按 CSV 读取（引号不配对？）",
                        "This line is not valid CSV (unbalanced quotes?)",
                    )]),
                ));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| lines.record_line(p.byte()));
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut d = StaffDraft::default();
        for (i, c) in &index {
            // a file exported here keeps its cells as they were typed
            let v = restore(rec.get(*i).unwrap_or("")).to_string();
            match c {
                Column::Name => d.name = v,
                Column::Mobile => d.mobile = v,
                Column::Department => d.department = v,
                Column::ExternalId => d.external_id = v,
                Column::UserId => d.dingtalk_user_id = v,
            }
        }
        let r = match d.validate() {
            Ok(v) if v.external_id.is_none() && v.mobile.is_none() => Err(vec![Msg::new(
                "每行须有工号或手机号（用来找到已有的员工）",
                "Each row needs an external id or a mobile (they identify existing staff)",
            )]),
            Ok(v) => Ok(v),
            Err(errs) => Err(errs.into_values().flatten().collect()),
        };
        rows.push((line, r));
    }
    Ok(StaffFile { columns, rows })
}

/// A CSV file read as text cells: the header's cells, then each data row by the line it starts
/// on (header = line 1), `None` for a row that is not valid CSV. Blank rows are left out, and
/// every cell comes back as typed ([`restore`]), trimmed.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(u64, Option<Vec<String>>)>,
}

/// Reads any CSV file (already decoded) as a [`Table`]; fails when the header cannot be read.
pub fn read_table(text: &str) -> Result<Table, Msg> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|_| {
            Msg::new(
                "无法读取文件的第一行（表头）。",
                "The first line (the header) cannot be read.",
            )
        })?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut lines = Lines::new(text);
    let mut rows = Vec::new();
    for rec in rdr.records() {
        match rec {
            Ok(rec) if rec.iter().all(|c| c.trim().is_empty()) => {}
            Ok(rec) => {
                let line = rec.position().map_or(0, |p| lines.record_line(p.byte()));
                let cells = rec.iter().map(|c| restore(c.trim()).to_string()).collect();
                rows.push((line, Some(cells)));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.record_line(p.byte()));
                rows.push((line, None));
            }
        }
    }
    Ok(Table { headers, rows })
}

/// One data row of a recipients CSV.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RecipientRow {
    pub line: u64,
    pub name: String,
    pub mobile: String,
    pub external_id: String,
    pub user_id: String,
    pub reason: String,
}

/// Parses a recipients CSV (decoded like the staff import: UTF-8 with or without BOM, or GBK).
/// Fails as a whole when the header names no way to find people; the message is about the file.
pub fn parse_recipients(text: &str) -> Result<Vec<RecipientRow>, Msg> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|_| Msg::new("无法读取名单的表头。", "The list's header cannot be read."))?
        .clone();
    let cols: Vec<Option<RecipientColumn>> =
        headers.iter().map(RecipientColumn::from_header).collect();
    let has = |c: Column| cols.contains(&Some(RecipientColumn::Staff(c)));
    if !(has(Column::ExternalId) || has(Column::Mobile) || has(Column::UserId)) {
        return Err(Msg::new(
            "名单第 1 行须是表头，并有「工号」「手机号」或「钉钉ID」中的一列；可选「姓名」「理由」。",
            "Line 1 must be a header with an “external_id”, “mobile” or “userId” column; “name” and “reason” are optional.",
        ));
    }
    let mut lines = Lines::new(text);
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rows.push(RecipientRow {
                    line: e.position().map_or(0, |p| lines.record_line(p.byte())),
                    name: "\u{0}bad".into(),
                    ..RecipientRow::default()
                });
                continue;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut row = RecipientRow {
            line: rec.position().map_or(0, |p| lines.record_line(p.byte())),
            ..RecipientRow::default()
        };
        for (i, c) in cols.iter().enumerate() {
            let v = rec.get(i).unwrap_or("").trim().to_string();
            match c {
                Some(RecipientColumn::Staff(Column::Name)) => row.name = v,
                Some(RecipientColumn::Staff(Column::Mobile)) => row.mobile = v,
                Some(RecipientColumn::Staff(Column::ExternalId)) => row.external_id = v,
                Some(RecipientColumn::Staff(Column::UserId)) => row.user_id = v,
                Some(RecipientColumn::Reason) => row.reason = v,
                Some(RecipientColumn::Staff(Column::Department)) | None => {}
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        for f in [
            "=HYPERLINK(\"https://evil.example\",\"x\")",
            "@SUM(A1:A9)",
            "+1",
            "-1+2",
            "\t=1",
            "\r=1",
            "＝1",
        ] {
            let n = neutralise(f);
            assert!(n.starts_with('\''), "{f}");
            assert_eq!(restore(&n), f);
        }
        for ok in ["张三", "研发部", "a=b", "13800138000", "", "'quoted"] {
            assert_eq!(neutralise(ok), ok);
            assert_eq!(restore(ok), ok);
        }
    }

    #[test]
    fn staff_rows_keep_their_lines_and_exported_cells_come_back() {
        let p =
            parse_staff("\u{feff}姓名,手机号,工号\n'=张三,13800138000,E1\n\n,,\n李四,,\n").unwrap();
        assert!(p.columns.contains(&Column::Mobile));
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].0, 2);
        assert_eq!(p.rows[0].1.as_ref().unwrap().name.as_str(), "=张三");
        assert_eq!(p.rows[1].0, 5);
        assert!(p.rows[1].1.is_err(), "no external id and no mobile");
        assert!(parse_staff("部门\n研发部\n").is_err());
    }

    #[test]
    fn recipient_rows_need_a_key_column() {
        let rows = parse_recipients("工号,姓名,理由\n E1 ,张三, 好 \n\n\"x,\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            RecipientRow {
                line: 2,
                name: "张三".into(),
                external_id: "E1".into(),
                reason: "好".into(),
                ..RecipientRow::default()
            }
        );
        assert!(parse_recipients("姓名,理由\n张三,好\n").is_err());
        assert!(parse_recipients("").is_err());
    }

    /// Found by `fuzz/fuzz_targets/staff_csv.rs`: a cell typed as `'=赵六` was exported as it
    /// was and imported as `=赵六`.
    #[test]
    fn fuzz_a_typed_apostrophe_survives_export_and_import() {
        for typed in ["'=赵六", "''+1", "'@x", "'\t"] {
            let out = neutralise(typed);
            assert_eq!(out, format!("'{typed}"));
            assert_eq!(restore(&out), typed);
        }
        let p = parse_staff(&format!("姓名,工号\n{},E1\n", neutralise("'=赵六"))).unwrap();
        assert_eq!(p.rows[0].1.as_ref().unwrap().name.as_str(), "'=赵六");
    }

    /// Found by `fuzz/fuzz_targets/recipients_csv.rs`: in a file saved with `\r\n` (Excel on
    /// Windows) each recipient row was reported on the line before it, and after a blank line on
    /// the blank line.
    #[test]
    fn fuzz_recipient_rows_name_their_line_in_crlf_files() {
        let text = "工号,姓名,理由\r\nE001,张三,季度之星\r\nE002,李四,\"项目\r\n攻坚\"\r\n\r\nE003,王五,好\r\n";
        let lines: Vec<u64> = parse_recipients(text)
            .unwrap()
            .iter()
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, [2, 3, 6]);
        let lines: Vec<u64> = parse_recipients("工号\nE1\n\n\nE2\n")
            .unwrap()
            .iter()
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, [2, 5]);
    }

    #[test]
    fn a_table_keeps_lines_and_typed_cells() {
        let t = read_table("\u{feff} 工号 ,指标\r\nE1, '-2 \r\n\r\n,\r\n\"E\r\n2\",x\r\nE3,z\n")
            .unwrap();
        assert_eq!(t.headers, ["工号", "指标"]);
        let lines: Vec<u64> = t.rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 5, 7]);
        assert_eq!(
            t.rows[0].1.as_deref(),
            Some(&["E1".to_string(), "-2".to_string()][..])
        );
        assert_eq!(t.rows[1].1.as_ref().unwrap()[0], "E\r\n2");
    }

    /// Lines end with `\r\n`, `\n` or a lone `\r` (old Mac files), as an editor shows them.
    #[test]
    fn staff_rows_name_their_line_whatever_ends_lines() {
        for (text, want) in [
            ("姓名,工号\r\n张三,E1\r\n\r\n李四,E2\r\n", [2, 4]),
            ("姓名,工号\r张三,E1\r\r李四,E2\r", [2, 4]),
            ("\n姓名,工号\n\"张\n三\",E1\n李四,E2", [3, 5]),
        ] {
            let lines: Vec<u64> = parse_staff(text)
                .unwrap()
                .rows
                .iter()
                .map(|r| r.0)
                .collect();
            assert_eq!(lines, want, "{text:?}");
        }
    }
}

//! An award-recipients list: bytes → decode → parse. Checks, besides not panicking: rows name
//! their real line; cells are trimmed; a row that could not be read carries nothing else.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medal_core::csv::{decode, parse_recipients};

#[path = "lines.rs"]
mod lines;

fuzz_target!(|data: &[u8]| {
    let (text, _) = decode(data);
    let Ok(rows) = parse_recipients(&text) else {
        return;
    };
    let row_lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
    lines::check_lines(&text, lines::header_line(&text), &row_lines);
    for r in &rows {
        for cell in [&r.name, &r.mobile, &r.external_id, &r.user_id, &r.reason] {
            assert_eq!(cell.trim(), cell.as_str());
        }
        if r.name == "\u{0}bad" {
            assert!(
                r.mobile.is_empty() && r.external_id.is_empty() && r.user_id.is_empty(),
                "a cell reads as the unreadable-row marker: {r:?}"
            );
        }
    }
});

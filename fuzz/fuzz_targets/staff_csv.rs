//! The staff import: bytes → decode (UTF-8 / GB18030) → parse. Checks, besides not panicking:
//! decoding keeps valid UTF-8 as it is (minus a BOM); rows name their real line; valid rows
//! have a name and an external id or a mobile; the export's formula guard round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use medal_core::csv::{decode, neutralise, parse_staff, restore};
use medal_core::staff::Column;

#[path = "lines.rs"]
mod lines;

fuzz_target!(|data: &[u8]| {
    let (text, enc) = decode(data);
    if let Ok(s) = std::str::from_utf8(data) {
        assert_eq!(enc, "UTF-8");
        assert_eq!(text, s.strip_prefix('\u{feff}').unwrap_or(s));
    } else {
        assert_eq!(enc, "GB18030");
    }
    // a cell exported here and imported again is what was typed
    for cell in text.split([',', '\n']) {
        assert_eq!(restore(&neutralise(cell)), cell, "cell {cell:?}");
    }
    let Ok(file) = parse_staff(&text) else {
        return;
    };
    assert!(file.columns.contains(&Column::Name));
    let row_lines: Vec<u64> = file.rows.iter().map(|(l, _)| *l).collect();
    lines::check_lines(&text, lines::header_line(&text), &row_lines);
    for (_, r) in &file.rows {
        match r {
            Ok(v) => {
                assert!(!v.name.as_str().is_empty());
                assert!(v.mobile.is_some() || v.external_id.is_some());
            }
            Err(msgs) => assert!(!msgs.is_empty()),
        }
    }
});

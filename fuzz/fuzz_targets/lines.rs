//! Shared by the CSV targets: the file's lines as an editor shows them (`\r\n`, `\n` or a lone
//! `\r` ends a line), 1-based.

pub fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' || b[i] == b'\r' {
            out.push(&text[start..i]);
            if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    out.push(&text[start..]);
    out
}

/// Data rows' line numbers: after the header, strictly increasing, each on a line that is not
/// empty (a record cannot start on a blank line).
pub fn check_lines(text: &str, header_line: u64, row_lines: &[u64]) {
    let ls = lines(text);
    let mut prev = header_line;
    for &l in row_lines {
        assert!(l > prev, "row line {l} not after {prev} in {text:?}");
        let idx = (l - 1) as usize;
        assert!(idx < ls.len(), "row line {l} past the end in {text:?}");
        assert!(!ls[idx].is_empty(), "row line {l} is blank in {text:?}");
        prev = l;
    }
}

/// The line the header is on: the first line that is not empty.
pub fn header_line(text: &str) -> u64 {
    lines(text).iter().position(|l| !l.is_empty()).unwrap_or(0) as u64 + 1
}

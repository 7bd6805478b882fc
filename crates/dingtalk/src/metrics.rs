//! What the clients report about their calls to DingTalk, through the `metrics` facade (the
//! application installs a recorder, e.g. Prometheus; without one these cost nothing):
//! - `medals_dingtalk_calls_total{api, outcome}`: `outcome` is `ok` or the error's kind;
//! - `medals_dingtalk_call_seconds{api}`: from sending the request to having read the answer.
//!
//! `api` is the URL's path (`/robot/send`, `/v1.0/robot/groupMessages/send`, …), never its query,
//! which carries tokens and signatures.

use std::time::Instant;

use crate::error::Result;

/// The path of `url` without its query: the label a call is counted under.
pub(crate) fn api_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or("/").to_string()
}

/// Counts one call to `api` that began at `started` and ended with `result`.
pub(crate) fn observe<T>(api: String, started: Instant, result: &Result<T>) {
    let outcome = match result {
        Ok(_) => "ok".to_string(),
        Err(e) => format!("{:?}", e.kind()),
    };
    metrics::histogram!("medals_dingtalk_call_seconds", "api" => api.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("medals_dingtalk_calls_total", "api" => api, "outcome" => outcome)
        .increment(1);
}

#[cfg(test)]
mod tests {
    use super::api_of;

    #[test]
    fn the_label_never_holds_the_query() {
        assert_eq!(
            api_of("https://oapi.dingtalk.com/robot/send?access_token=SECRET&sign=x"),
            "/robot/send"
        );
        assert_eq!(
            api_of("http://127.0.0.1:3000/sim/v1.0/robot/groupMessages/send"),
            "/sim/v1.0/robot/groupMessages/send"
        );
        assert_eq!(api_of("https://api.dingtalk.com"), "/");
        assert_eq!(api_of("https://x/y#frag?token"), "/y");
    }
}

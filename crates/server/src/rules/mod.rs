//! Automatic medals: rules over facts (attendance, events from other systems), evaluated after
//! every ingest; each award given once per person per rule (per window).

pub mod api;
#[cfg(feature = "ssr")]
pub mod award;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod eval;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "ssr")]
pub mod events_csv;
#[cfg(feature = "ssr")]
pub mod events_import;
pub mod events_page;
#[cfg(feature = "ssr")]
pub mod facts;
pub mod form;
#[cfg(feature = "ssr")]
pub mod holidays;
pub mod page;
#[cfg(feature = "ssr")]
pub mod recent;
pub mod types;

pub use api::*;
pub use types::*;

use medal_core::Msg;

/// A dry run's answer in words.
pub fn dry_run_msg(d: &DryRun) -> Msg {
    if d.qualify == 0 {
        return Msg::new("试运行：现在没有人达标。", "Dry run: nobody qualifies now.");
    }
    let more = if d.qualify as usize > d.names.len() {
        " …"
    } else {
        ""
    };
    Msg::new(
        format!(
            "试运行：现在有 {} 人达标（{} 枚勋章）：{}{more}",
            d.qualify,
            d.awards,
            d.names.join("、")
        ),
        format!(
            "Dry run: {} people qualify now ({} awards): {}{more}",
            d.qualify,
            d.awards,
            d.names.join(", ")
        ),
    )
}

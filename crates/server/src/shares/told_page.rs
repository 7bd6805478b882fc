//! After an award with "tell the winner" (`?told=N&untold=K&untold_names=…`): how many heard of
//! it 1:1, and who could not (no DingTalk userId), with the way to fix it.

use crate::i18n::use_lang;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use medal_core::Lang;

#[component]
pub fn ToldBanner() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k);
    let told = get("told").and_then(|v| v.parse::<usize>().ok())?;
    let untold = get("untold")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let names = get("untold_names").unwrap_or_default();
    let class = if untold > 0 {
        "banner banner-warn told-banner"
    } else {
        "banner banner-ok told-banner"
    };
    Some(view! {
        <div class=class role="status">
            {match lang {
                Lang::Zh => format!("已排队告诉 {told} 位获奖者本人（钉钉单聊）。"),
                Lang::En => format!("{told} winners will be told 1:1 in DingTalk."),
            }}
            {(untold > 0).then(|| view! {
                " "{match lang {
                    Lang::Zh => format!("{untold} 人没有钉钉 userId，未通知：{names}。"),
                    Lang::En => format!("{untold} have no DingTalk userId and were not told: {names}. "),
                }}
                <a href="/staff/userids">{lang.t("查找 userId", "Find their userIds")}</a>
            })}
            " "<a href="/shares">{lang.t("查看发送记录", "See the sends")}</a>
        </div>
    })
}

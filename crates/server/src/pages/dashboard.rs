//! The overview page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::dashboard_stats;
use crate::components::{loading, IfCan};
use crate::i18n::use_lang;
use crate::pages::medals::MedalGrid;
use medal_core::Role;

#[component]
pub fn Dashboard() -> impl IntoView {
    let lang = use_lang();
    let stats = Resource::new(|| (), |_| dashboard_stats());
    view! {
        <Title text=lang.t("概览", "Overview")/>
        <div class="page-head">
            <h1>{lang.t("概览", "Overview")}</h1>
            <IfCan role=Role::Admin>
                <a class="btn btn-primary" href="/medals/new">{lang.t("＋ 新建勋章", "+ New medal")}</a>
            </IfCan>
        </div>
        <Suspense fallback=move || loading(lang)>
            {move || stats.get().map(|r| match r { Ok(s) => view! {
                <div class="stats">
                    <div class="stat"><span class="stat-value">{s.active_medals}</span><span class="stat-label">{lang.t("有效勋章", "Active medals")}</span></div>
                    <div class="stat"><span class="stat-value">{s.awards}</span><span class="stat-label">{lang.t("已颁发", "Awards given")}</span></div>
                    <div class="stat"><span class="stat-value">{s.staff}</span><span class="stat-label">{lang.t("员工", "Staff")}</span></div>
                    <div class="stat"><span class="stat-value">{s.archived_medals}</span><span class="stat-label">{lang.t("已归档勋章", "Archived medals")}</span></div>
                </div>
                <section class="card">
                    <div class="card-head">
                        <h2>{lang.t("最近的勋章", "Recent medals")}</h2>
                        <a href="/medals">{lang.t("全部勋章 →", "All medals →")}</a>
                    </div>
                    <MedalGrid medals=s.recent_medals/>
                </section>
            }.into_any(), Err(e) => view! { <crate::components::Banner kind="error" text=e.summary(lang)/> }.into_any() })}
        </Suspense>
    }
}

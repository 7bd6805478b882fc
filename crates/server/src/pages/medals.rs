//! The medal catalogue: list with search and filters, detail, create and edit.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::web_sys::{FormData, HtmlFormElement, SubmitEvent};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::medal::PRESET_ICONS;
use medal_core::{MedalKind, Role, Tier, Validity};

use crate::api::{
    get_medal, list_medals, save_medal, ArchiveMedal, MedalDetail, MedalFilter, MedalSummary,
    RestoreMedal,
};
use crate::components::{
    can, fmt_time, id_param, loading, use_flash, Banner, FieldErrors, FormError, IfCan, TierBadge,
};
use crate::error::AppError;
use crate::i18n::use_lang;

#[component]
pub fn MedalGrid(medals: Vec<MedalSummary>) -> impl IntoView {
    let lang = use_lang();
    if medals.is_empty() {
        return view! { <p class="empty">{lang.t("没有符合条件的勋章。", "No medals match.")}</p> }
            .into_any();
    }
    view! {
        <ul class="medal-grid">
            {medals.into_iter().map(|m| view! {
                <li class=if m.archived { "medal-tile archived" } else { "medal-tile" }>
                    <a href=format!("/medals/{}", m.id)>
                        <img class=format!("medal-icon ring-{}", m.tier.as_str()) src=m.icon_url.clone() alt="" width="72" height="72" loading="lazy"/>
                        <span class="medal-name">{m.name.clone()}</span>
                        <span class="medal-meta">
                            <TierBadge tier=m.tier/>
                            {m.archived.then(|| view! { <span class="tag tag-muted">{lang.t("已归档", "Archived")}</span> })}
                        </span>
                        <span class="medal-count">{match lang {
                            medal_core::Lang::Zh => format!("已颁发 {} 次", m.award_count),
                            medal_core::Lang::En => format!("{} awarded", m.award_count),
                        }}</span>
                    </a>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn MedalList() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        MedalFilter {
            q: q.get("q").unwrap_or_default(),
            tier: q.get("tier").unwrap_or_default(),
            kind: q.get("kind").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
        }
    };
    let medals = Resource::new(filter, list_medals);
    let selected = move |key: &'static str, v: &'static str| {
        move || query.read().get(key).unwrap_or_default() == v
    };
    view! {
        <Title text=lang.t("勋章", "Medals")/>
        <div class="page-head">
            <h1>{lang.t("勋章", "Medals")}</h1>
            <IfCan role=Role::Admin>
                <a class="btn btn-primary" href="/medals/new">{lang.t("＋ 新建勋章", "+ New medal")}</a>
            </IfCan>
        </div>
        <form class="filters" method="get" action="/medals" role="search">
            <div class="field field-grow">
                <label for="q">{lang.t("搜索名称", "Search by name")}</label>
                <input id="q" name="q" type="search" placeholder=lang.t("例如：月度之星", "e.g. Star of the month")
                    value=move || query.read().get("q").unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="tier">{lang.t("等级", "Tier")}</label>
                <select id="tier" name="tier">
                    <option value="" selected=selected("tier", "")>{lang.t("全部", "All")}</option>
                    {Tier::ALL.into_iter().map(|t| view! {
                        <option value=t.as_str() selected=selected("tier", t.as_str())>{t.label(lang)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="kind">{lang.t("颁发方式", "Awarded")}</label>
                <select id="kind" name="kind">
                    <option value="" selected=selected("kind", "")>{lang.t("全部", "All")}</option>
                    {MedalKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=selected("kind", k.as_str())>{k.label(lang)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="status">{lang.t("状态", "Status")}</label>
                <select id="status" name="status">
                    <option value="active" selected=selected("status", "active")>{lang.t("有效", "Active")}</option>
                    <option value="archived" selected=selected("status", "archived")>{lang.t("已归档", "Archived")}</option>
                    <option value="all" selected=selected("status", "all")>{lang.t("全部", "All")}</option>
                </select>
            </div>
            <button type="submit" class="btn">{lang.t("筛选", "Filter")}</button>
        </form>
        <Suspense fallback=move || loading(lang)>
            {move || medals.get().map(|r| match r {
                Ok(list) => view! { <MedalGrid medals=list/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn MedalDetailPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let archive = ServerAction::<ArchiveMedal>::new();
    let restore = ServerAction::<RestoreMedal>::new();
    let medal = Resource::new(
        move || (id.get(), archive.version().get(), restore.version().get()),
        |(id, _, _)| get_medal(id),
    );
    let is_admin = can(Role::Admin);
    let action_error = Signal::derive(move || {
        [archive.value().get(), restore.value().get()]
            .into_iter()
            .flatten()
            .find_map(|r| r.err())
    });
    view! {
        <Suspense fallback=move || loading(lang)>
            {move || medal.get().map(|r| match r {
                Err(AppError::NotFound) => view! { <crate::components::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(m) => {
                    let archived = m.archived_at.is_some();
                    let validity = Validity::from_days(m.validity_days.map(i64::from)).label(lang);
                    view! {
                        <Title text=m.name.clone()/>
                        <nav class="crumbs"><a href="/medals">{lang.t("勋章", "Medals")}</a>" / "<span>{m.name.clone()}</span></nav>
                        <FormError error=action_error/>
                        <section class="card medal-hero">
                            <img class=format!("medal-icon big ring-{}", m.tier.as_str()) src=m.icon_url.clone() alt=m.name.clone() width="128" height="128"/>
                            <div class="medal-hero-body">
                                <h1>{m.name.clone()}
                                    {archived.then(|| view! { <span class="tag tag-muted">{lang.t("已归档", "Archived")}</span> })}
                                </h1>
                                <p class="medal-meta"><TierBadge tier=m.tier/><span class="tag">{m.kind.label(lang)}</span></p>
                                <p class="description">{if m.description.is_empty() { lang.t("（没有描述）", "(no description)").to_string() } else { m.description.clone() }}</p>
                                {(!archived).then(|| view! {
                                    <IfCan role=Role::Awarder>
                                        <div class="actions">
                                            <a class="btn btn-primary" href=format!("/awards/new?medal={}", m.id)>{lang.t("颁发这枚勋章", "Award this medal")}</a>
                                            <a class="btn" href=format!("/awards?medal={}", m.id)>{lang.t("颁奖记录", "Awards")}</a>
                                        </div>
                                    </IfCan>
                                })}
                                {is_admin.get().then(|| view! {
                                    <div class="actions">
                                        <a class="btn" href=format!("/medals/{}/edit", m.id)>{lang.t("编辑", "Edit")}</a>
                                        {if archived {
                                            view! {
                                                <ActionForm action=restore attr:class="inline-form">
                                                    <input type="hidden" name="id" value=m.id/>
                                                    <button type="submit" class="btn">{lang.t("恢复", "Restore")}</button>
                                                </ActionForm>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=archive attr:class="inline-form">
                                                    <input type="hidden" name="id" value=m.id/>
                                                    <button type="submit" class="btn btn-danger-ghost">{lang.t("归档", "Archive")}</button>
                                                </ActionForm>
                                            }.into_any()
                                        }}
                                    </div>
                                })}
                            </div>
                        </section>
                        <section class="card">
                            <dl class="facts">
                                <dt>{lang.t("获得条件", "Criteria")}</dt>
                                <dd>{if m.criteria.is_empty() { "—".to_string() } else { m.criteria.clone() }}</dd>
                                <dt>{lang.t("有效期", "Validity")}</dt><dd>{validity}</dd>
                                <dt>{lang.t("可重复获得", "Repeatable")}</dt>
                                <dd>{if m.repeatable { lang.t("是", "Yes") } else { lang.t("否", "No") }}</dd>
                                <dt>{lang.t("已颁发", "Awarded")}</dt><dd>{m.award_count}</dd>
                                <dt>{lang.t("创建时间", "Created")}</dt><dd>{fmt_time(m.created_at)}</dd>
                                <dt>{lang.t("更新时间", "Updated")}</dt><dd>{fmt_time(m.updated_at)}</dd>
                                {m.archived_at.map(|t| view! { <dt>{lang.t("归档时间", "Archived")}</dt><dd>{fmt_time(t)}</dd> })}
                            </dl>
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn MedalNew() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=lang.t("新建勋章", "New medal")/>
        <nav class="crumbs"><a href="/medals">{lang.t("勋章", "Medals")}</a>" / "<span>{lang.t("新建", "New")}</span></nav>
        <div class="page-head"><h1>{lang.t("新建勋章", "New medal")}</h1></div>
        <MedalForm medal=None/>
    }
}

#[component]
pub fn MedalEdit() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let medal = Resource::new(move || id.get(), get_medal);
    view! {
        <Title text=lang.t("编辑勋章", "Edit medal")/>
        <Suspense fallback=move || loading(lang)>
            {move || medal.get().map(|r| match r {
                Ok(m) => view! {
                    <nav class="crumbs"><a href="/medals">{lang.t("勋章", "Medals")}</a>" / "
                        <a href=format!("/medals/{}", m.id)>{m.name.clone()}</a>" / "<span>{lang.t("编辑", "Edit")}</span></nav>
                    <div class="page-head"><h1>{lang.t("编辑勋章", "Edit medal")}</h1></div>
                    <MedalForm medal=Some(m)/>
                }.into_any(),
                Err(AppError::NotFound) => view! { <crate::components::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The create/edit form. It posts multipart (it may carry an icon): as a plain form without
/// JavaScript, or through the server function without a page reload with it.
#[component]
fn MedalForm(medal: Option<MedalDetail>) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let save = Action::new_local(|data: &FormData| save_medal(data.clone().into()));
    let error: Signal<Option<AppError>> = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("medal").and_then(|f| f.error),
    });
    let flashed = flash
        .for_form("medal")
        .map(|f| f.values)
        .unwrap_or_default();
    let m = medal.clone();
    // A value for a field: what was typed (after a failed plain post), else the medal's, else a default.
    let val = move |key: &str, current: Option<String>, default: &str| {
        flashed
            .get(key)
            .cloned()
            .or(current)
            .unwrap_or_else(|| default.to_string())
    };
    let name = val("name", m.as_ref().map(|m| m.name.clone()), "");
    let description = val("description", m.as_ref().map(|m| m.description.clone()), "");
    let criteria = val("criteria", m.as_ref().map(|m| m.criteria.clone()), "");
    let tier = val(
        "tier",
        m.as_ref().map(|m| m.tier.as_str().to_string()),
        "none",
    );
    let kind = val(
        "kind",
        m.as_ref().map(|m| m.kind.as_str().to_string()),
        "manual",
    );
    let validity = val(
        "validity_days",
        m.as_ref()
            .map(|m| m.validity_days.map(|d| d.to_string()).unwrap_or_default()),
        "",
    );
    let repeatable = match (flash.for_form("medal"), &m) {
        (Some(f), _) => f.values.contains_key("repeatable"),
        (None, Some(m)) => m.repeatable,
        (None, None) => false,
    };
    let editing = m.is_some();
    let preset = val(
        "icon_preset",
        m.as_ref().and_then(|m| m.icon_preset.clone()),
        if editing { "" } else { "star" },
    );
    let has_upload = m.as_ref().is_some_and(|m| m.icon_preset.is_none());
    let source = val(
        "icon_source",
        None,
        if has_upload { "keep" } else { "preset" },
    );
    let live_name = RwSignal::new(name.clone());
    let live_tier = RwSignal::new(tier.clone());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        use leptos::wasm_bindgen::JsCast;
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if let Ok(data) = FormData::new_with_form(&form) {
            save.dispatch_local(data);
        }
    };
    let current_icon = m.as_ref().map(|m| m.icon_url.clone());
    view! {
        <form class="form card medal-form" method="post" action=crate::api::SaveMedal::url()
            enctype="multipart/form-data" on:submit=on_submit novalidate>
            <FormError error=error/>
            {m.as_ref().map(|m| view! { <input type="hidden" name="id" value=m.id/> })}
            <div class="form-grid">
                <div class="form-main">
                    <div class="field">
                        <label for="name">{lang.t("名称", "Name")}</label>
                        <input id="name" name="name" type="text" maxlength="30" required value=name
                            on:input=move |ev| live_name.set(event_target_value(&ev))/>
                        <p class="hint">{lang.t("1–30 个字，在有效勋章中不能重名", "1–30 characters, unique among active medals")}</p>
                        <FieldErrors field="name" error=error/>
                    </div>
                    <div class="field">
                        <label for="description">{lang.t("描述", "Description")}</label>
                        <textarea id="description" name="description" rows="3" maxlength="500">{description}</textarea>
                        <FieldErrors field="description" error=error/>
                    </div>
                    <div class="field">
                        <label for="criteria">{lang.t("获得条件", "Criteria")}</label>
                        <textarea id="criteria" name="criteria" rows="2" maxlength="500"
                            placeholder=lang.t("例如：连续打卡 30 天", "e.g. 30 days of attendance in a row")>{criteria}</textarea>
                        <FieldErrors field="criteria" error=error/>
                    </div>
                    <fieldset class="field">
                        <legend>{lang.t("等级", "Tier")}</legend>
                        <div class="chips">
                            {Tier::ALL.into_iter().map(|t| {
                                let id = format!("tier-{}", t.as_str());
                                let label_for = id.clone();
                                view! {
                                    <label class=format!("chip chip-{}", t.as_str()) for=label_for>
                                        <input type="radio" id=id name="tier" value=t.as_str() checked=tier == t.as_str()
                                            on:change=move |_| live_tier.set(t.as_str().to_string())/>
                                        <span>{t.label(lang)}</span>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                        <FieldErrors field="tier" error=error/>
                    </fieldset>
                    <div class="field-row">
                        <div class="field">
                            <label for="kind">{lang.t("颁发方式", "How it is awarded")}</label>
                            <select id="kind" name="kind">
                                {MedalKind::ALL.into_iter().map(|k| view! {
                                    <option value=k.as_str() selected=kind == k.as_str()>{k.label(lang)}</option>
                                }).collect_view()}
                            </select>
                            <FieldErrors field="kind" error=error/>
                        </div>
                        <div class="field">
                            <label for="validity_days">{lang.t("有效期（天）", "Validity (days)")}</label>
                            <input id="validity_days" name="validity_days" type="number" min="1" max="366" value=validity
                                placeholder=lang.t("留空表示永久", "Empty: permanent")/>
                            <FieldErrors field="validity_days" error=error/>
                        </div>
                    </div>
                    <div class="field">
                        <label class="check" for="repeatable">
                            <input type="checkbox" id="repeatable" name="repeatable" checked=repeatable/>
                            <span>{lang.t("同一个人可以多次获得（如「月度之星」）", "One person may hold it more than once (e.g. Star of the month)")}</span>
                        </label>
                    </div>
                </div>
                <div class="form-side">
                    <div class="preview" aria-live="polite">
                        <span class="preview-label">{lang.t("预览", "Preview")}</span>
                        <img class=move || format!("medal-icon big ring-{}", live_tier.get()) alt=""
                            src=current_icon.clone().unwrap_or_else(|| format!("/icons/presets/{}.svg", if preset.is_empty() { "star" } else { &preset })) width="112" height="112"/>
                        <strong class="preview-name">{move || { let n = live_name.get(); if n.trim().is_empty() { lang.t("勋章名称", "Medal name").to_string() } else { n } }}</strong>
                    </div>
                    <fieldset class="field icon-field">
                        <legend>{lang.t("图标", "Icon")}</legend>
                        {has_upload.then(|| view! {
                            <label class="check"><input type="radio" name="icon_source" value="keep" checked=source == "keep"/>
                                <span>{lang.t("保留当前图标", "Keep the current icon")}</span></label>
                        })}
                        <label class="check"><input type="radio" name="icon_source" value="preset" checked=source == "preset"/>
                            <span>{lang.t("选择预设图标", "Pick a preset icon")}</span></label>
                        <div class="preset-grid">
                            {PRESET_ICONS.iter().map(|(key, zh, en)| {
                                let id = format!("preset-{key}");
                                let label_for = id.clone();
                                view! {
                                    <label class="preset" for=label_for title=lang.t(zh, en)>
                                        <input type="radio" id=id name="icon_preset" value=*key checked=preset == *key/>
                                        <img src=format!("/icons/presets/{key}.svg") alt=lang.t(zh, en) width="40" height="40"/>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                        <FieldErrors field="icon_preset" error=error/>
                        <label class="check"><input type="radio" name="icon_source" value="upload" checked=source == "upload"/>
                            <span>{lang.t("上传图片", "Upload an image")}</span></label>
                        <label for="icon_file" class="sr-only">{lang.t("图标文件", "Icon file")}</label>
                        <input id="icon_file" name="icon_file" type="file" accept="image/png,image/jpeg,image/webp"/>
                        <p class="hint">{lang.t("PNG、JPEG 或 WebP，不超过 2 MB；会缩放到 512×512 以内", "PNG, JPEG or WebP up to 2 MB; scaled to fit 512×512")}</p>
                        <FieldErrors field="icon_file" error=error/>
                    </fieldset>
                </div>
            </div>
            <div class="form-actions">
                <a class="btn btn-ghost" href=m.as_ref().map(|m| format!("/medals/{}", m.id)).unwrap_or_else(|| "/medals".into())>{lang.t("取消", "Cancel")}</a>
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { lang.t("正在保存…", "Saving…") } else if editing { lang.t("保存修改", "Save changes") } else { lang.t("创建勋章", "Create medal") }}
                </button>
            </div>
        </form>
    }
}

//! Creating and editing a medal.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::medals::get_medal;
use crate::medals::MedalDetail;
use crate::ui::id_param;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use medal_core::medal::PRESET_ICONS;
use medal_core::{MedalKind, Tier};

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
                Err(AppError::NotFound) => view! { <crate::ui::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

/// What the medal form starts with: what was typed (after a failed plain post), else the
/// medal's, else the defaults.
#[derive(Debug, Clone, PartialEq)]
struct MedalFormValues {
    id: Option<i64>,
    name: String,
    description: String,
    criteria: String,
    tier: String,
    kind: String,
    validity: String,
    repeatable: bool,
    /// The preset chosen ("" when the medal has an uploaded icon).
    preset: String,
    /// "keep", "preset" or "upload".
    source: String,
    /// The medal has an uploaded icon that can be kept.
    has_upload: bool,
    current_icon: Option<String>,
}

fn preset_url(key: &str) -> String {
    format!(
        "/icons/presets/{}.svg",
        if key.is_empty() { "star" } else { key }
    )
}

/// The create/edit form, rendered on the server and posted multipart as a plain form; its
/// values come from the medal and the flash. The preview beside it is the island.
#[component]
fn MedalForm(medal: Option<MedalDetail>) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let flashed = flash.for_form("medal");
    let typed = flashed
        .as_ref()
        .map(|f| f.values.clone())
        .unwrap_or_default();
    let m = medal.as_ref();
    let val = |key: &str, current: Option<String>, default: &str| {
        typed
            .get(key)
            .cloned()
            .or(current)
            .unwrap_or_else(|| default.to_string())
    };
    let editing = m.is_some();
    let has_upload = m.is_some_and(|m| m.icon_preset.is_none());
    let v = MedalFormValues {
        id: m.map(|m| m.id),
        name: val("name", m.map(|m| m.name.clone()), ""),
        description: val("description", m.map(|m| m.description.clone()), ""),
        criteria: val("criteria", m.map(|m| m.criteria.clone()), ""),
        tier: val("tier", m.map(|m| m.tier.as_str().to_string()), "none"),
        kind: val("kind", m.map(|m| m.kind.as_str().to_string()), "manual"),
        validity: val(
            "validity_days",
            m.map(|m| m.validity_days.map(|d| d.to_string()).unwrap_or_default()),
            "",
        ),
        repeatable: match (&flashed, m) {
            (Some(f), _) => f.values.contains_key("repeatable"),
            (None, Some(m)) => m.repeatable,
            (None, None) => false,
        },
        preset: val(
            "icon_preset",
            m.and_then(|m| m.icon_preset.clone()),
            if editing { "" } else { "star" },
        ),
        source: val(
            "icon_source",
            None,
            if has_upload { "keep" } else { "preset" },
        ),
        has_upload,
        current_icon: m.map(|m| m.icon_url.clone()),
    };
    let error: Signal<Option<AppError>> = Signal::stored(flashed.and_then(|f| f.error));
    let icon = match (&v.current_icon, v.source.as_str()) {
        (Some(url), "keep") => url.clone(),
        _ => preset_url(&v.preset),
    };
    let cancel_href =
        v.id.map(|id| format!("/medals/{id}"))
            .unwrap_or_else(|| "/medals".into());
    view! {
        <form class="form card medal-form" method="post" action=crate::medals::SaveMedal::url()
            enctype="multipart/form-data" novalidate>
            <FormError error=error/>
            {v.id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <div class="form-grid">
                <div class="form-main">
                    <div class="field">
                        <label for="name">{lang.t("名称", "Name")}</label>
                        <input id="name" name="name" type="text" maxlength="30" required value=v.name.clone()/>
                        <p class="hint">{lang.t("1–30 个字，在有效勋章中不能重名", "1–30 characters, unique among active medals")}</p>
                        <FieldErrors field="name" error=error/>
                    </div>
                    <div class="field">
                        <label for="description">{lang.t("描述", "Description")}</label>
                        <textarea id="description" name="description" rows="3" maxlength="500">{v.description.clone()}</textarea>
                        <FieldErrors field="description" error=error/>
                    </div>
                    <div class="field">
                        <label for="criteria">{lang.t("获得条件", "Criteria")}</label>
                        <textarea id="criteria" name="criteria" rows="2" maxlength="500"
                            placeholder=lang.t("例如：连续打卡 30 天", "e.g. 30 days of attendance in a row")>{v.criteria.clone()}</textarea>
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
                                        <input type="radio" id=id name="tier" value=t.as_str() checked=v.tier == t.as_str()/>
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
                                    <option value=k.as_str() selected=v.kind == k.as_str()>{k.label(lang)}</option>
                                }).collect_view()}
                            </select>
                            <FieldErrors field="kind" error=error/>
                        </div>
                        <div class="field">
                            <label for="validity_days">{lang.t("有效期（天）", "Validity (days)")}</label>
                            <input id="validity_days" name="validity_days" type="number" min="1" max="366" value=v.validity.clone()
                                placeholder=lang.t("留空表示永久", "Empty: permanent")/>
                            <FieldErrors field="validity_days" error=error/>
                        </div>
                    </div>
                    <div class="field">
                        <label class="check" for="repeatable">
                            <input type="checkbox" id="repeatable" name="repeatable" checked=v.repeatable/>
                            <span>{lang.t("同一个人可以多次获得（如「月度之星」）", "One person may hold it more than once (e.g. Star of the month)")}</span>
                        </label>
                    </div>
                </div>
                <div class="form-side">
                    <MedalPreview name=v.name.clone() tier=v.tier.clone() icon kept=v.current_icon.clone().filter(|_| v.has_upload)/>
                    <fieldset class="field icon-field">
                        <legend>{lang.t("图标", "Icon")}</legend>
                        {v.has_upload.then(|| view! {
                            <label class="check"><input type="radio" id="icon-source-keep" name="icon_source" value="keep" checked=v.source == "keep"/>
                                <span>{lang.t("保留当前图标", "Keep the current icon")}</span></label>
                        })}
                        <label class="check"><input type="radio" id="icon-source-preset" name="icon_source" value="preset" checked=v.source == "preset"/>
                            <span>{lang.t("选择预设图标", "Pick a preset icon")}</span></label>
                        <div class="preset-grid">
                            {PRESET_ICONS.iter().map(|(key, zh, en)| {
                                let id = format!("preset-{key}");
                                let label_for = id.clone();
                                view! {
                                    <label class="preset" for=label_for title=lang.t(zh, en)>
                                        <input type="radio" id=id name="icon_preset" value=*key checked=v.preset == *key/>
                                        <img src=preset_url(key) alt=lang.t(zh, en) width="40" height="40"/>
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                        <FieldErrors field="icon_preset" error=error/>
                        <label class="check"><input type="radio" id="icon-source-upload" name="icon_source" value="upload" checked=v.source == "upload"/>
                            <span>{lang.t("上传图片", "Upload an image")}</span></label>
                        <label for="icon_file" class="sr-only">{lang.t("图标文件", "Icon file")}</label>
                        <input id="icon_file" name="icon_file" type="file" accept="image/png,image/jpeg,image/webp"/>
                        <p class="hint">{lang.t("PNG、JPEG 或 WebP，不超过 2 MB；会缩放到 512×512 以内", "PNG, JPEG or WebP up to 2 MB; scaled to fit 512×512")}</p>
                        <FieldErrors field="icon_file" error=error/>
                    </fieldset>
                </div>
            </div>
            <div class="form-actions">
                <a class="btn btn-ghost" href=cancel_href>{lang.t("取消", "Cancel")}</a>
                <button type="submit" class="btn btn-primary">
                    {if editing { lang.t("保存修改", "Save changes") } else { lang.t("创建勋章", "Create medal") }}
                </button>
            </div>
        </form>
    }
}

/// The medal's preview, an island: it follows the form around it — the name and tier typed, the
/// icon picked (a preset, the kept icon, or the chosen file before it is uploaded; picking one
/// also ticks its source).
#[island]
fn MedalPreview(name: String, tier: String, icon: String, kept: Option<String>) -> impl IntoView {
    let lang = use_lang();
    let ready = crate::ui::live();
    let name = RwSignal::new(name);
    let tier = RwSignal::new(tier);
    let icon = RwSignal::new(icon);
    crate::ui::follow_form("form.medal-form", move |e| match e.name.as_str() {
        "name" => name.set(e.value()),
        "tier" => tier.set(e.value()),
        "icon_preset" => {
            icon.set(preset_url(&e.value()));
            crate::ui::tick("#icon-source-preset");
        }
        "icon_source" => match e.value().as_str() {
            "keep" => icon.set(kept.clone().unwrap_or_else(|| preset_url(""))),
            "preset" => icon.set(preset_url(&e.get("icon_preset").unwrap_or_default())),
            _ => {}
        },
        "icon_file" => {
            if let Some(url) = e.file_url() {
                icon.set(url);
                crate::ui::tick("#icon-source-upload");
            }
        }
        _ => {}
    });
    view! {
        <div class="preview" aria-live="polite" data-ready=crate::ui::ready_attr(ready)>
            <span class="preview-label">{lang.t("预览", "Preview")}</span>
            <img class=move || format!("medal-icon big ring-{}", tier.get()) alt=""
                src=move || icon.get() width="112" height="112"/>
            <strong class="preview-name">{move || { let n = name.get(); if n.trim().is_empty() { lang.t("勋章名称", "Medal name").to_string() } else { n } }}</strong>
        </div>
    }
}

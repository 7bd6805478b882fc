//! The card templates on /settings: each with its mapping and a preview filled from the latest
//! award (so an admin sees what DingTalk will get); owners add, edit and delete them. Plain
//! forms: they work without JavaScript.

use crate::cards::types::FIELDS;
use crate::cards::{list_card_templates, DeleteCardTemplate, SaveCardTemplate};
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::ui::{can, loading, use_flash, Banner, FieldErrors, FormError};
use leptos::prelude::*;
use medal_core::Role;

#[component]
pub fn CardTemplatesSection() -> impl IntoView {
    let lang = use_lang();
    let save = ServerAction::<SaveCardTemplate>::new();
    let delete = ServerAction::<DeleteCardTemplate>::new();
    let list = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| list_card_templates(),
    );
    let owner = can(Role::Owner);
    view! {
        <section class="card card-templates" id="cards">
            <h2>{lang.t("互动卡片模板", "Card templates")}</h2>
            <p class="hint">{lang.t(
                "在钉钉卡片搭建平台创建模板后，把模板 ID 和各变量对应的勋章字段填在这里；分享时可选择以模板卡片发到应用机器人群，撤销勋章时已发出的卡片会就地更新为“已撤销”。",
                "Make a template in DingTalk's card builder, then enter its id and which medal field fills each variable; shares to app-robot groups can then go as that card, and a revoked award's cards are updated in place to say so.")}</p>
            <Suspense fallback=move || loading(lang)>
                {move || list.get().map(|r| match r {
                    Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">{lang.t("还没有卡片模板。", "No card templates yet.")}</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|t| view! {
                        <div class="card-template" data-id=t.id>
                            <h3>{t.name.clone()}" "<code>{t.template_id.clone()}</code></h3>
                            <table class="table card-preview">
                                <thead><tr>
                                    <th scope="col">{lang.t("变量", "Variable")}</th>
                                    <th scope="col">{lang.t("字段", "Field")}</th>
                                    <th scope="col">{match t.preview_award {
                                        Some(a) => format!("{} #{a}", lang.t("预览：勋章记录", "Preview: award")),
                                        None => lang.t("预览（还没有勋章记录）", "Preview (no award yet)").to_string(),
                                    }}</th>
                                </tr></thead>
                                <tbody>
                                    {t.mapping.iter().enumerate().map(|(i, (var, field))| view! {
                                        <tr>
                                            <td><code>{var.clone()}</code></td>
                                            <td>{field_label(lang, field)}</td>
                                            <td class="preview-value">{t.preview.get(i).map(|p| p.1.clone()).unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {owner.get().then(|| view! {
                                <ActionForm action=delete attr:class="inline-form">
                                    <input type="hidden" name="id" value=t.id/>
                                    <button type="submit" class="btn btn-danger-ghost">{lang.t("删除", "Delete")}</button>
                                </ActionForm>
                            })}
                        </div>
                    }).collect_view().into_any(),
                })}
            </Suspense>
            {move || owner.get().then(|| view! { <TemplateForm save/> })}
        </section>
    }
}

fn field_label(lang: medal_core::Lang, field: &str) -> String {
    FIELDS
        .iter()
        .find(|(k, _, _)| *k == field)
        .map(|(_, zh, en)| lang.t(zh, en).to_string())
        .unwrap_or_else(|| field.to_string())
}

#[component]
fn TemplateForm(save: ServerAction<SaveCardTemplate>) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let values = flash
        .for_form("card-template")
        .map(|f| f.values)
        .unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("card-template").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let val = |k: &str| values.get(k).cloned().unwrap_or_default();
    let (name, template_id, mapping) = (val("name"), val("template_id"), val("mapping"));
    let fields = FIELDS
        .iter()
        .map(|(k, zh, en)| format!("{k}（{}）", lang.t(zh, en)))
        .collect::<Vec<_>>()
        .join("、");
    view! {
        <ActionForm action=save attr:class="form card-template-form" attr:novalidate=true>
            <h3>{lang.t("添加卡片模板", "Add a card template")}</h3>
            <FormError error=banner/>
            <div class="field-row">
                <div class="field">
                    <label for="card_name">{lang.t("模板名称", "Template name")}</label>
                    <input id="card_name" name="form[name]" type="text" maxlength="50" value=name/>
                    <FieldErrors field="name" error=error/>
                </div>
                <div class="field">
                    <label for="card_template_id">{lang.t("模板 ID", "Template id")}</label>
                    <input id="card_template_id" name="form[template_id]" type="text" autocomplete="off" placeholder="xxxx.schema" value=template_id/>
                    <FieldErrors field="template_id" error=error/>
                </div>
            </div>
            <div class="field">
                <label for="card_mapping">{lang.t("变量映射（每行一个：变量 = 字段）", "Variables (one per line: variable = field)")}</label>
                <textarea id="card_mapping" name="form[mapping]" rows="5" placeholder="title = medal_name\nwinner = person\nreason = reason">{mapping}</textarea>
                <p class="hint">{lang.t("可用字段：", "Fields: ")}{fields}</p>
                <FieldErrors field="mapping" error=error/>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">{lang.t("保存模板", "Save the template")}</button>
            </div>
        </ActionForm>
    }
}

//! Creating and editing a person.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::staff::get_staff;
use crate::staff::SaveStaff;
use crate::staff::StaffDetail;
use crate::ui::id_param;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn StaffNew() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=lang.t("新增员工", "New person")/>
        <nav class="crumbs"><a href="/staff">{lang.t("员工", "Staff")}</a>" / "<span>{lang.t("新增", "New")}</span></nav>
        <div class="page-head"><h1>{lang.t("新增员工", "New person")}</h1></div>
        <StaffForm person=None/>
    }
}

#[component]
pub fn StaffEdit() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let person = Resource::new(move || id.get(), get_staff);
    view! {
        <Title text=lang.t("编辑员工", "Edit person")/>
        <Suspense fallback=move || loading(lang)>
            {move || person.get().map(|r| match r {
                Ok(s) => view! {
                    <nav class="crumbs"><a href="/staff">{lang.t("员工", "Staff")}</a>" / "
                        <a href=format!("/staff/{}", s.id)>{s.name.clone()}</a>" / "<span>{lang.t("编辑", "Edit")}</span></nav>
                    <div class="page-head"><h1>{lang.t("编辑员工", "Edit person")}</h1></div>
                    <StaffForm person=Some(s)/>
                }.into_any(),
                Err(AppError::NotFound) => view! { <crate::ui::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The create/edit form: a plain form post without JavaScript (errors come back through the
/// flash, with the values typed), the `SaveStaff` action with it.
#[component]
fn StaffForm(person: Option<StaffDetail>) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let save = ServerAction::<SaveStaff>::new();
    let flashed = flash.for_form("staff");
    // Field messages: from the action (JavaScript) or the flash (plain post). The banner above
    // the form is only for the action: the layout shows the flash's.
    let error: Signal<Option<AppError>> = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("staff").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let values = flashed.map(|f| f.values).unwrap_or_default();
    let p = person.clone();
    let val = move |key: &str, current: Option<String>| {
        values.get(key).cloned().or(current).unwrap_or_default()
    };
    let name = val("name", p.as_ref().map(|s| s.name.clone()));
    let mobile = val("mobile", p.as_ref().and_then(|s| s.mobile.clone()));
    let department = val("department", p.as_ref().map(|s| s.department.clone()));
    let external_id = val(
        "external_id",
        p.as_ref().and_then(|s| s.external_id.clone()),
    );
    let user_id = val(
        "dingtalk_user_id",
        p.as_ref().and_then(|s| s.dingtalk_user_id.clone()),
    );
    let editing = p.is_some();
    let cancel = p
        .as_ref()
        .map(|s| format!("/staff/{}", s.id))
        .unwrap_or_else(|| "/staff".into());
    view! {
        <ActionForm action=save attr:class="form card staff-form" attr:novalidate=true>
            <FormError error=banner/>
            {p.as_ref().map(|s| view! { <input type="hidden" name="id" value=s.id/> })}
            <div class="field">
                <label for="name">{lang.t("姓名", "Name")}</label>
                <input id="name" name="name" type="text" maxlength="50" required value=name/>
                <FieldErrors field="name" error=error/>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="mobile">{lang.t("手机号", "Mobile")}</label>
                    <input id="mobile" name="mobile" type="tel" inputmode="tel" value=mobile
                        placeholder=lang.t("例如：138 0013 8000", "e.g. 138 0013 8000")/>
                    <p class="hint">{lang.t("选填；中国大陆 11 位手机号", "Optional; 11-digit mainland China number")}</p>
                    <FieldErrors field="mobile" error=error/>
                </div>
                <div class="field">
                    <label for="department">{lang.t("部门", "Department")}</label>
                    <input id="department" name="department" type="text" maxlength="100" value=department/>
                    <FieldErrors field="department" error=error/>
                </div>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="external_id">{lang.t("工号", "External id")}</label>
                    <input id="external_id" name="external_id" type="text" maxlength="64" value=external_id/>
                    <FieldErrors field="external_id" error=error/>
                </div>
                <div class="field">
                    <label for="dingtalk_user_id">{lang.t("钉钉 userId", "DingTalk userId")}</label>
                    <input id="dingtalk_user_id" name="dingtalk_user_id" type="text" maxlength="64" value=user_id/>
                    <FieldErrors field="dingtalk_user_id" error=error/>
                </div>
            </div>
            <div class="form-actions">
                <a class="btn btn-ghost" href=cancel>{lang.t("取消", "Cancel")}</a>
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { lang.t("正在保存…", "Saving…") } else if editing { lang.t("保存修改", "Save changes") } else { lang.t("创建员工", "Create person") }}
                </button>
            </div>
        </ActionForm>
    }
}

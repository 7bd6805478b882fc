//! `/groups/make`: "Create a DingTalk group" (Admin): name, owner, and members picked like award
//! recipients (the holders of a medal, whole departments). A plain form: it works without
//! JavaScript; with it, the answer arrives without reloading.

use crate::error::AppError;
use crate::groups::make_choices;
use crate::groups::MakeGroup;
use crate::i18n::use_lang;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn GroupMake() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let make = ServerAction::<MakeGroup>::new();
    let choices = Resource::new(|| (), |_| make_choices());
    let values = flash
        .for_form("group-make")
        .map(|f| f.values)
        .unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match make.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("group-make").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || make.value().get().and_then(|r| r.err()));
    let val = move |k: &str| values.get(k).cloned().unwrap_or_default();
    let (name, owner, medal) = (val("name"), val("owner"), val("medal"));
    let depts: Vec<String> = val("department").lines().map(str::to_string).collect();
    view! {
        <Title text=lang.t("在钉钉建群", "Create a DingTalk group")/>
        <nav class="crumbs"><a href="/groups">{lang.t("群组", "Groups")}</a>" / "<span>{lang.t("在钉钉建群", "Create in DingTalk")}</span></nav>
        <div class="page-head"><h1>{lang.t("在钉钉建群", "Create a DingTalk group")}</h1></div>
        <Suspense fallback=move || loading(lang)>
            {move || {
                let (name, owner, medal, depts) = (name.clone(), owner.clone(), medal.clone(), depts.clone());
                choices.get().map(move |r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(c) => {
                    view! {
                        {(!c.app_ready).then(|| view! {
                            <div class="banner banner-error" role="alert">{lang.t(
                                "请先在「设置」中填写钉钉企业内部应用的 AppKey、AppSecret 和 RobotCode。",
                                "Set the DingTalk internal app's AppKey, AppSecret and RobotCode in Settings first.")}</div>
                        })}
                        <p class="hint via">{if c.via == "scenegroup" {
                            lang.t("将通过场景群接口（群模板）建群，应用机器人自动入群，新群可立即用于分享。",
                                "The group is made with the scene-group API (the template): the app robot joins, and the group can be shared to at once.")
                        } else {
                            lang.t("将通过旧版 chat/create 建群，分享经 chat/send 以应用身份发出（仅 2022 年前接入的应用可用；在「设置」填写群模板 ID 可改用场景群）。",
                                "The group is made with the older chat/create and shares go as the app through chat/send (only for apps onboarded before 2022; set a scene-group template in Settings to use scene groups).")
                        }}</p>
                        <ActionForm action=make attr:class="form card make-group-form" attr:novalidate=true>
                            <FormError error=banner/>
                            <div class="field">
                                <label for="name">{lang.t("群名称（最多 20 字）", "Group name (at most 20 characters)")}</label>
                                <input id="name" name="form[name]" type="text" maxlength="20" required value=name/>
                                <FieldErrors field="name" error=error/>
                            </div>
                            <div class="field">
                                <label for="owner">{lang.t("群主（手机号、钉钉 userId 或工号）", "Owner (mobile, DingTalk userId or external id)")}</label>
                                <input id="owner" name="form[owner]" type="text" autocomplete="off" required value=owner/>
                                <FieldErrors field="owner" error=error/>
                            </div>
                            <fieldset class="field">
                                <legend>{lang.t("成员（可组合，同一人只加一次）", "Members (combine as you like; each person once)")}</legend>
                                <div class="field-row">
                                    <div class="field">
                                        <label for="medal">{lang.t("某枚勋章的全部获得者", "Everyone holding a medal")}</label>
                                        <select id="medal" name="form[medal]">
                                            <option value="">{lang.t("（不按勋章）", "(none)")}</option>
                                            {c.medals.into_iter().map(|(id, n, holders)| {
                                                let sel = medal == id.to_string();
                                                view! { <option value=id selected=sel>{format!("{n}（{holders}）")}</option> }
                                            }).collect_view()}
                                        </select>
                                        <FieldErrors field="medal" error=error/>
                                    </div>
                                    <div class="field">
                                        <label for="department">{lang.t("整个部门（可多选）", "Whole departments (several allowed)")}</label>
                                        <select id="department" name="form[department][]" multiple size="5">
                                            {c.departments.into_iter().map(|(d, n)| {
                                                let sel = depts.contains(&d);
                                                view! { <option value=d.clone() selected=sel>{format!("{d}（{n}）")}</option> }
                                            }).collect_view()}
                                        </select>
                                    </div>
                                </div>
                                <p class="hint">{lang.t("只加入在职且有钉钉 userId 的员工；其余的人会列出，可在「员工 → 查找 userId」中补全。",
                                    "Only active staff with a DingTalk userId join; the others are listed, and Staff → userId lookup finds theirs.")}</p>
                                <FieldErrors field="members" error=error/>
                            </fieldset>
                            <div class="form-actions">
                                <button type="submit" class="btn btn-primary">{lang.t("在钉钉建群", "Create the group")}</button>
                                <a class="btn btn-ghost" href="/groups">{lang.t("取消", "Cancel")}</a>
                            </div>
                        </ActionForm>
                    }.into_any()
                }
            })}}
        </Suspense>
    }
}

/// On a group's page after it was made (`?made=N&skipped=K`): who joined, and who could not.
#[component]
pub fn MadeBanner() -> impl IntoView {
    let lang = use_lang();
    let query = leptos_router::hooks::use_query_map();
    let num = move |k: &str| query.read().get(k).and_then(|v| v.parse::<usize>().ok());
    num("made").map(|made| {
        let skipped = num("skipped").unwrap_or(0);
        view! {
            <div class="banner banner-ok made-banner" role="status">
                {match lang {
                    medal_core::Lang::Zh => format!("已在钉钉建群，{made} 人入群，可以直接分享到这个群。"),
                    medal_core::Lang::En => format!("The group was made in DingTalk with {made} members; you can share to it now."),
                }}
                {(skipped > 0).then(|| view! {
                    " "{match lang {
                        medal_core::Lang::Zh => format!("另有 {skipped} 人还没有钉钉 userId，未加入："),
                        medal_core::Lang::En => format!("{skipped} more have no DingTalk userId and did not join: "),
                    }}
                    <a href="/staff/userids">{lang.t("查找 userId", "find their userIds")}</a>
                })}
            </div>
        }
    })
}

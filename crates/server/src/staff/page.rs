//! The staff directory: list with search, status filter and paging; detail; create and edit;
//! deactivate and reactivate; CSV import (upload → preview → confirm → result) and export.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::staff::get_staff;
use crate::staff::list_staff;
use crate::staff::DeactivateStaff;
use crate::staff::LookupUserId;
use crate::staff::ReactivateStaff;
use crate::staff::StaffDetail;
use crate::staff::StaffFilter;
use crate::ui::can;
use crate::ui::fmt_time;
use crate::ui::id_param;
use crate::ui::loading;
use crate::ui::url_encode;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FormError;
use crate::ui::IfCan;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::{Lang, Role};

pub(crate) fn dash(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into())
}

fn status_tag(lang: Lang, active: bool) -> impl IntoView {
    if active {
        view! { <span class="tag">{lang.t("在职", "Active")}</span> }.into_any()
    } else {
        view! { <span class="tag tag-muted">{lang.t("已停用", "Deactivated")}</span> }.into_any()
    }
}

#[component]
pub fn StaffList() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        StaffFilter {
            q: q.get("q").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
            page: q.get("page").unwrap_or_default(),
        }
    };
    let staff = Resource::new(filter, list_staff);
    let selected = move |v: &'static str| {
        move || {
            let s = query.read().get("status").unwrap_or_default();
            s == v || (v == "active" && s.is_empty())
        }
    };
    // A link to another page of the same filter.
    let page_href = move |page: u32| {
        let f = filter();
        format!(
            "/staff?q={}&status={}&page={page}",
            url_encode(&f.q),
            url_encode(&f.status)
        )
    };
    let export_href = move || {
        let f = filter();
        format!(
            "/staff/export.csv?q={}&status={}",
            url_encode(&f.q),
            url_encode(&f.status)
        )
    };
    view! {
        <Title text=lang.t("员工", "Staff")/>
        <div class="page-head">
            <h1>{lang.t("员工", "Staff")}</h1>
            <div class="actions">
                <a class="btn" rel="external" href=export_href>{lang.t("导出 CSV", "Export CSV")}</a>
                <IfCan role=Role::Admin>
                    <a class="btn" href="/staff/userids">{lang.t("查询钉钉 userId", "Look up DingTalk userIds")}</a>
                    <a class="btn" href="/staff/import">{lang.t("导入 CSV", "Import CSV")}</a>
                    <a class="btn btn-primary" href="/staff/new">{lang.t("＋ 新增员工", "+ New person")}</a>
                </IfCan>
            </div>
        </div>
        <form class="filters" method="get" action="/staff" role="search">
            <div class="field field-grow">
                <label for="q">{lang.t("搜索姓名、手机号、部门或工号", "Search name, mobile, department or external id")}</label>
                <input id="q" name="q" type="search" placeholder=lang.t("例如：张三 或 138", "e.g. Zhang or 138")
                    value=move || query.read().get("q").unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="status">{lang.t("状态", "Status")}</label>
                <select id="status" name="status">
                    <option value="active" selected=selected("active")>{lang.t("在职", "Active")}</option>
                    <option value="inactive" selected=selected("inactive")>{lang.t("已停用", "Deactivated")}</option>
                    <option value="all" selected=selected("all")>{lang.t("全部", "All")}</option>
                </select>
            </div>
            <button type="submit" class="btn">{lang.t("筛选", "Filter")}</button>
        </form>
        <Suspense fallback=move || loading(lang)>
            {move || staff.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(p) if p.items.is_empty() && p.page == 1 => view! {
                    <p class="empty">{lang.t("没有符合条件的员工。", "No staff match.")}</p>
                }.into_any(),
                Ok(p) => {
                    let page = p.page;
                    view! {
                        <table class="table staff-table">
                            <thead><tr>
                                <th scope="col">{lang.t("姓名", "Name")}</th>
                                <th scope="col">{lang.t("手机号", "Mobile")}</th>
                                <th scope="col">{lang.t("部门", "Department")}</th>
                                <th scope="col">{lang.t("工号", "External id")}</th>
                                <th scope="col">{lang.t("状态", "Status")}</th>
                            </tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|s| view! {
                                    <tr class=if s.active { "" } else { "inactive" }>
                                        <td><a href=format!("/staff/{}", s.id)>{s.name.clone()}</a></td>
                                        <td>{dash(s.mobile.clone())}</td>
                                        <td>{dash(Some(s.department.clone()))}</td>
                                        <td>{dash(s.external_id.clone())}</td>
                                        <td>{status_tag(lang, s.active)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {crate::ui::pager(lang, page, p.has_next, page_href)}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn StaffDetailPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let flash = use_flash();
    let deactivate = ServerAction::<DeactivateStaff>::new();
    let reactivate = ServerAction::<ReactivateStaff>::new();
    let lookup = ServerAction::<LookupUserId>::new();
    let person = Resource::new(
        move || {
            (
                id.get(),
                deactivate.version().get(),
                reactivate.version().get(),
                lookup.version().get(),
            )
        },
        |(id, ..)| get_staff(id),
    );
    let wall = crate::awards::detail_page::wall_resource(move || id.get());
    let is_admin = can(Role::Admin);
    let action_error = Signal::derive(move || {
        let shown = [
            deactivate.value().get().map(|r| r.err()),
            reactivate.value().get().map(|r| r.err()),
            lookup.value().get().map(|r| r.err()),
        ];
        if shown.iter().all(Option::is_none) {
            // No call from this page yet: a plain form post may have left its error.
            return ["staff-active", "staff-userid"]
                .into_iter()
                .find_map(|f| flash.for_form(f).and_then(|f| f.error));
        }
        shown.into_iter().flatten().flatten().next()
    });
    // What the lookup found (a plain post's flash notice).
    let found = move || {
        flash
            .for_form("staff-userid")
            .and_then(|f| f.notice)
            .map(|n| view! { <div class="banner banner-success" role="status">{n.get(lang).to_string()}</div> })
    };
    view! {
        <Suspense fallback=move || loading(lang)>
            {move || person.get().map(|r| match r {
                Err(AppError::NotFound) => view! { <crate::ui::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(s) => {
                    let admin = is_admin.get();
                    view! {
                        <Title text=s.name.clone()/>
                        <nav class="crumbs"><a href="/staff">{lang.t("员工", "Staff")}</a>" / "<span>{s.name.clone()}</span></nav>
                        <FormError error=action_error/>
                        {found}
                        <section class="card">
                            <div class="page-head">
                                <h1>{s.name.clone()}" "{status_tag(lang, s.active)}</h1>
                                {admin.then(|| view! {
                                    <div class="actions">
                                        <a class="btn" href=format!("/staff/{}/edit", s.id)>{lang.t("编辑", "Edit")}</a>
                                        {if s.active {
                                            view! {
                                                <ActionForm action=deactivate attr:class="inline-form">
                                                    <input type="hidden" name="id" value=s.id/>
                                                    <crate::ui::ConfirmSubmit class="btn btn-danger-ghost".to_string() label=lang.t("停用", "Deactivate").to_string()
                                                        question=lang.t("停用这位员工？停用后不能再获得勋章，已获得的保留。", "Deactivate this person? They can no longer receive medals; their awards are kept.").to_string()/>
                                                </ActionForm>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=reactivate attr:class="inline-form">
                                                    <input type="hidden" name="id" value=s.id/>
                                                    <button type="submit" class="btn">{lang.t("重新启用", "Reactivate")}</button>
                                                </ActionForm>
                                            }.into_any()
                                        }}
                                    </div>
                                })}
                            </div>
                            {(!s.active).then(|| view! {
                                <p class="hint">{lang.t("已停用的员工不能再获得勋章，已获得的勋章保留。", "Deactivated staff cannot receive new medals; their awards are kept.")}</p>
                            })}
                            <dl class="facts">
                                <dt>{lang.t("手机号", "Mobile")}</dt><dd>{dash(s.mobile.clone())}</dd>
                                <dt>{lang.t("部门", "Department")}</dt><dd>{dash(Some(s.department.clone()))}</dd>
                                <dt>{lang.t("工号", "External id")}</dt><dd>{dash(s.external_id.clone())}</dd>
                                <dt>{lang.t("钉钉 userId", "DingTalk userId")}</dt>
                                <dd class="userid-fact">
                                    <span class="userid-value">{dash(s.dingtalk_user_id.clone())}</span>
                                    {(admin && s.mobile.as_deref().is_some_and(|m| !m.is_empty())).then(|| {
                                        let again = s.dingtalk_user_id.as_deref().is_some_and(|u| !u.is_empty());
                                        view! {
                                            <ActionForm action=lookup attr:class="inline-form">
                                                <input type="hidden" name="id" value=s.id/>
                                                <button type="submit" class="btn btn-small">{if again {
                                                    lang.t("按手机号重新查询", "Look up again by mobile")
                                                } else {
                                                    lang.t("按手机号查询", "Look up by mobile")
                                                }}</button>
                                            </ActionForm>
                                        }
                                    })}
                                    {lookup_note(lang, &s)}
                                </dd>
                                <dt>{lang.t("创建时间", "Created")}</dt><dd>{fmt_time(s.created_at)}</dd>
                                <dt>{lang.t("更新时间", "Updated")}</dt><dd>{fmt_time(s.updated_at)}</dd>
                            </dl>
                        </section>
                        <crate::awards::detail_page::MedalWallSection staff_id=s.id wall/>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// What the last lookup by mobile said, under the userId.
fn lookup_note(lang: Lang, s: &StaffDetail) -> Option<impl IntoView> {
    let at = s.userid_lookup_at?;
    Some(match &s.userid_lookup_error {
        Some(why) => view! {
            <p class="hint lookup-miss">
                {match lang {
                    Lang::Zh => format!("{} 查询未找到：", fmt_time(at)),
                    Lang::En => format!("Looked up {}, not found: ", fmt_time(at)),
                }}
                {why.get(lang).to_string()}
            </p>
        }
        .into_any(),
        None => view! {
            <p class="hint">{match lang {
                Lang::Zh => format!("{} 从钉钉查到", fmt_time(at)),
                Lang::En => format!("Found in DingTalk {}", fmt_time(at)),
            }}</p>
        }
        .into_any(),
    })
}

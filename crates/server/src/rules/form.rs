//! The rule form: medal, metric, kind, days, window, threshold, groups; save or dry-run.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::rules::types::{DryRun, RuleView, RulesData};
use crate::rules::SaveRule;
use crate::ui::use_flash;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use leptos::prelude::*;

/// A select's options; `current` selected.
fn options(list: Vec<(String, String)>, current: &str) -> impl IntoView {
    list.into_iter()
        .map(|(v, label)| {
            let sel = v == current;
            view! { <option value=v selected=sel>{label}</option> }
        })
        .collect_view()
}

#[component]
pub fn RuleEditor(page: RulesData, rule: Option<RuleView>) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let save = ServerAction::<SaveRule>::new();
    let kept = flash.for_form("rule");
    let values = kept.as_ref().map(|f| f.values.clone()).unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("rule").and_then(|f| f.error),
    });
    let dry: Option<DryRun> = values
        .get("dry_run")
        .and_then(|s| serde_json::from_str(s).ok());
    let r = rule.clone();
    let val = |k: &str, cur: Option<String>| values.get(k).cloned().or(cur).unwrap_or_default();
    let name = val("name", r.as_ref().map(|r| r.name.clone()));
    let medal = val("medal_id", r.as_ref().map(|r| r.medal_id.to_string()));
    let metric = val("metric", r.as_ref().map(|r| r.metric.clone()));
    let kind = val("kind", r.as_ref().map(|r| r.kind.clone()));
    let kind = if kind.is_empty() {
        "streak".to_string()
    } else {
        kind
    };
    let days = val("days", r.as_ref().map(|r| r.days.clone()));
    let period = val("period", r.as_ref().map(|r| r.period.clone()));
    let threshold = val("threshold", r.as_ref().map(|r| r.threshold.to_string()));
    let tell = val("tell", r.as_ref().map(|r| r.tell.clone()));
    let groups: Vec<String> = values
        .get("group_ids")
        .map(|g| g.split(',').map(str::to_string).collect())
        .or_else(|| {
            r.as_ref()
                .map(|r| r.group_ids.iter().map(|g| g.to_string()).collect())
        })
        .unwrap_or_default();
    let medals: Vec<(String, String)> = page
        .medals
        .iter()
        .map(|(id, n, auto)| {
            let tag = if *auto {
                lang.t("（自动）", " (automatic)")
            } else {
                ""
            };
            (id.to_string(), format!("{n}{tag}"))
        })
        .collect();
    let mut metrics: Vec<String> = vec!["attendance".into(), "tasks_completed".into()];
    for (m, _) in &page.metrics {
        if !metrics.contains(m) {
            metrics.push(m.clone());
        }
    }
    view! {
        <ActionForm action=save attr:class="form card rule-form" attr:novalidate=true>
            <FormError error=Signal::derive(move || save.value().get().and_then(|r| r.err()))/>
            {r.as_ref().map(|r| view! { <input type="hidden" name="form[id]" value=r.id/> })}
            {dry.map(|d| view! {
                <div class="banner banner-ok dry-run" role="status">{crate::rules::dry_run_msg(&d).get(lang).to_string()}</div>
            })}
            <div class="field">
                <label for="rule-name">{lang.t("规则名称", "Rule name")}</label>
                <input id="rule-name" name="form[name]" type="text" maxlength="50" required value=name
                    placeholder=lang.t("如：连续打卡30天", "e.g. 30 days of attendance in a row")/>
                <FieldErrors field="name" error=error/>
            </div>
            <div class="field">
                <label for="rule-medal">{lang.t("颁发的勋章", "Medal to award")}</label>
                <select id="rule-medal" name="form[medal_id]">
                    <option value="">{lang.t("请选择…", "Choose…")}</option>
                    {options(medals, &medal)}
                </select>
                <FieldErrors field="medal_id" error=error/>
            </div>
            <div class="field">
                <label for="rule-metric">{lang.t("指标", "Metric")}</label>
                <input id="rule-metric" name="form[metric]" type="text" list="rule-metrics" value=metric
                    placeholder="attendance"/>
                <datalist id="rule-metrics">
                    {metrics.into_iter().map(|m| view! { <option value=m/> }).collect_view()}
                </datalist>
                <p class="hint">{lang.t(
                    "attendance 是钉钉考勤同步写入的出勤（出勤为 1）；其他指标来自 REST API 或事件 CSV。",
                    "attendance is written by the DingTalk attendance sync (1 for a day attended); other metrics come from the REST API or an events CSV.",
                )}</p>
                <FieldErrors field="metric" error=error/>
            </div>
            <fieldset class="field">
                <legend>{lang.t("规则类型", "Kind")}</legend>
                <label class="check"><input type="radio" name="form[kind]" value="streak" checked=kind == "streak"/>" "
                    {lang.t("连续 N 天（每天的值大于 0）", "A streak of N days in a row (a value above 0 each day)")}</label>
                <label class="check"><input type="radio" name="form[kind]" value="total" checked=kind == "total"/>" "
                    {lang.t("累计达到 N", "A total that reaches N")}</label>
                <FieldErrors field="kind" error=error/>
            </fieldset>
            <div class="field">
                <label for="rule-threshold">{lang.t("N（天数或累计值）", "N (days, or the total)")}</label>
                <input id="rule-threshold" name="form[threshold]" type="number" min="1" value=threshold/>
                <FieldErrors field="threshold" error=error/>
            </div>
            <div class="field">
                <label for="rule-days">{lang.t("连续天数怎么算", "Which days a streak runs over")}</label>
                <select id="rule-days" name="form[days]">
                    {options(vec![
                        ("calendar".into(), lang.t("自然日：每一天都要有", "Calendar days: every day counts").into()),
                        ("workdays".into(), lang.t("工作日：跳过周末和节假日", "Workdays: weekends and holidays skipped").into()),
                    ], &days)}
                </select>
            </div>
            <div class="field">
                <label for="rule-period">{lang.t("统计周期", "Window")}</label>
                <select id="rule-period" name="form[period]">
                    {options(vec![
                        ("none".into(), lang.t("不限：每人只颁发一次", "None: once per person").into()),
                        ("month".into(), lang.t("每月：每人每月一次", "Monthly: once per person per month").into()),
                        ("quarter".into(), lang.t("每季度：每人每季度一次", "Quarterly: once per person per quarter").into()),
                    ], &period)}
                </select>
                <FieldErrors field="period" error=error/>
            </div>
            <fieldset class="field">
                <legend>{lang.t("获奖后分享到（可选）", "Share each award to (optional)")}</legend>
                {page.groups.iter().map(|(id, n)| {
                    let on = groups.contains(&id.to_string());
                    view! { <label class="check"><input type="checkbox" name="group_ids[]" value=id.to_string() checked=on/>" "{n.clone()}</label> }
                }).collect_view()}
                {page.groups.is_empty().then(|| view! { <p class="hint">{lang.t("还没有群。", "No groups yet.")}</p> })}
                <FieldErrors field="group_ids" error=error/>
            </fieldset>
            <div class="field">
                <label for="rule-tell">{lang.t("告诉获奖者本人（可选）", "Tell the winners themselves (optional)")}</label>
                <select id="rule-tell" name="form[tell]">
                    <option value="" selected=tell.is_empty()>{lang.t("不通知", "No")}</option>
                    <option value="oto" selected=tell == "oto">{lang.t("钉钉机器人单聊", "DingTalk robot, 1:1")}</option>
                    <option value="notice" selected=tell == "notice">{lang.t("钉钉工作通知", "DingTalk work notice")}</option>
                    {page.card_templates.iter().map(|(id, name)| {
                        let value = format!("card:{id}");
                        let sel = tell == value;
                        view! { <option value=value selected=sel>{format!("{}{name}", lang.t("互动卡片（单聊）：", "Card template, 1:1: "))}</option> }
                    }).collect_view()}
                </select>
                <FieldErrors field="tell" error=error/>
            </div>
            <label class="check"><input type="checkbox" name="form[backfill]" value="true"/>" "
                {lang.t("保存时为已达标的人补发（先点「试运行」看看有多少人）",
                    "On saving, award the people who already qualify (try a dry run first to see how many)")}</label>
            <p class="hint">{lang.t(
                "不补发时，规则只计算保存之后的数据。",
                "Without backfill, the rule counts only facts from the day it is saved.",
            )}</p>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">{lang.t("保存规则", "Save rule")}</button>
                <button type="submit" class="btn" formaction="/sfn/rules/dry_run">{lang.t("试运行", "Dry run")}</button>
            </div>
        </ActionForm>
    }
}

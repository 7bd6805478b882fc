//! The API reference (`/api-docs`): the OpenAPI document rendered for reading — every operation
//! with its scope, parameters, body and answers, then every schema's fields. Drawn on the server
//! from the same document `/api/v1/openapi.json` serves; no script, no outside stylesheet.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::tokens::api_docs;
use crate::ui::loading;
use crate::ui::Banner;
use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::Value;

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let lang = use_lang();
    let doc = Resource::new(|| (), |_| api_docs());
    view! {
        <Title text=lang.t("API 文档", "API reference")/>
        <div class="page-head">
            <h1>{lang.t("API 文档", "API reference")}</h1>
            <a class="btn btn-ghost" href="/api/v1/openapi.json">"openapi.json"</a>
            <a class="btn btn-ghost" href="/tokens">{lang.t("API 令牌", "API tokens")}</a>
        </div>
        <Suspense fallback=move || loading(lang)>
            {move || doc.get().map(|r| match r.and_then(|t| serde_json::from_str::<Value>(&t)
                .map_err(|_| AppError::Internal { request_id: String::new() })) {
                Err(AppError::Forbidden) => view! { <crate::ui::Forbidden/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(doc) => view! { <Reference doc/> }.into_any(),
            })}
        </Suspense>
    }
}

/// A schema's type in words: `string`, `integer | null`, `array of RecipientIn`, `AwardCreate`.
fn type_of(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(list) = v.get("oneOf").or(v.get("anyOf")).and_then(Value::as_array) {
        return list.iter().map(type_of).collect::<Vec<_>>().join(" | ");
    }
    let t = match v.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "object".to_string(),
    };
    match v.get("items") {
        Some(items) => t.replacen("array", &format!("array of {}", type_of(items)), 1),
        None => t,
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn body_type(v: &Value) -> Option<String> {
    v.get("content")?
        .get("application/json")?
        .get("schema")
        .map(type_of)
}

#[component]
fn Reference(doc: Value) -> impl IntoView {
    let lang = use_lang();
    let info = doc.get("info").cloned().unwrap_or(Value::Null);
    let mut ops: Vec<(String, String, Value)> = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                ops.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    let tags: Vec<(String, String)> = doc
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|t| (text(t, "name"), text(t, "description")))
        .collect();
    let schemas: Vec<(String, Value)> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    view! {
        <section class="card api-intro">
            <p><strong>{text(&info, "title")}</strong>" · v"{text(&info, "version")}</p>
            <p class="pre-line">{text(&info, "description")}</p>
            <p class="hint">{lang.t(
                "每个接口都要在请求头中带 Authorization: Bearer <令牌>，令牌须有接口注明的权限范围。",
                "Every operation needs Authorization: Bearer <token>, with the scope it names.",
            )}</p>
        </section>
        {tags.into_iter().map(|(tag, about)| {
            let mine: Vec<_> = ops.iter().filter(|(_, _, op)| {
                op.get("tags").and_then(Value::as_array).is_some_and(|t| t.iter().any(|x| x.as_str() == Some(&tag)))
            }).cloned().collect();
            view! {
                <h2 id=format!("tag-{tag}")>{about}</h2>
                {mine.into_iter().map(|(method, path, op)| view! { <Operation method path op/> }).collect_view()}
            }
        }).collect_view()}
        <h2 id="schemas">{lang.t("数据结构", "Schemas")}</h2>
        {schemas.into_iter().map(|(name, s)| view! { <Schema name s/> }).collect_view()}
    }
}

#[component]
fn Operation(method: String, path: String, op: Value) -> impl IntoView {
    let lang = use_lang();
    let scope = op
        .pointer("/security/0/bearer")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let params: Vec<Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let body = op.get("requestBody").and_then(body_type);
    let responses: Vec<(String, Option<String>)> = op
        .get("responses")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), body_type(v))).collect())
        .unwrap_or_default();
    let id = text(&op, "operationId");
    let anchor = id.clone();
    view! {
        <section class="card api-op" id=anchor>
            <h3><span class=format!("tag api-method api-{}", method.to_lowercase())>{method.clone()}</span>" "<code>{path}</code></h3>
            <p><strong>{text(&op, "summary")}</strong></p>
            <p class="pre-line">{text(&op, "description")}</p>
            <p>{lang.t("权限范围：", "Scope: ")}<code>{scope}</code>" · operationId "<code>{id}</code></p>
            {(!params.is_empty()).then(|| view! {
                <table class="table api-params">
                    <thead><tr>
                        <th scope="col">{lang.t("参数", "Parameter")}</th>
                        <th scope="col">{lang.t("位置", "In")}</th>
                        <th scope="col">{lang.t("类型", "Type")}</th>
                        <th scope="col">{lang.t("说明", "Description")}</th>
                    </tr></thead>
                    <tbody>{params.into_iter().map(|p| {
                        let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
                        view! { <tr>
                            <td><code>{text(&p, "name")}</code>{required.then_some(" *")}</td>
                            <td>{text(&p, "in")}</td>
                            <td>{p.get("schema").map(type_of).unwrap_or_default()}</td>
                            <td>{text(&p, "description")}</td>
                        </tr> }
                    }).collect_view()}</tbody>
                </table>
            })}
            {body.map(|b| view! {
                <p>{lang.t("请求体：", "Body: ")}<a href=format!("#schema-{b}")><code>{b.clone()}</code></a>" (application/json)"</p>
            })}
            <p>{lang.t("响应：", "Answers: ")}{responses.into_iter().map(|(status, t)| view! {
                <span class="api-status"><code>{status}</code>{t.map(|t| view! { " "<a href=format!("#schema-{t}")>{t.clone()}</a> })}</span>" "
            }).collect_view()}</p>
        </section>
    }
}

#[component]
fn Schema(name: String, s: Value) -> impl IntoView {
    let lang = use_lang();
    let required: Vec<String> = s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let props: Vec<(String, Value)> = s
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let anchor = format!("schema-{name}");
    view! {
        <section class="card api-schema" id=anchor>
            <h3><code>{name}</code></h3>
            <p>{text(&s, "description")}</p>
            <table class="table">
                <thead><tr>
                    <th scope="col">{lang.t("字段", "Field")}</th>
                    <th scope="col">{lang.t("类型", "Type")}</th>
                    <th scope="col">{lang.t("说明", "Description")}</th>
                </tr></thead>
                <tbody>{props.into_iter().map(|(k, v)| {
                    let req = required.contains(&k);
                    view! { <tr>
                        <td><code>{k}</code>{req.then_some(" *")}</td>
                        <td>{type_of(&v)}</td>
                        <td>{text(&v, "description")}</td>
                    </tr> }
                }).collect_view()}</tbody>
            </table>
        </section>
    }
}

//! The OpenAPI 3 document, generated from the handlers' annotations (utoipa), served at
//! `/api/v1/openapi.json` and read by the API reference page.

use crate::rest::{awards, medals, rules, staff};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Medal Hall API · 勋章馆 API",
        version = "1",
        description = "Medals, staff, awards, events and rules for other systems. Every call but this \
            document needs `Authorization: Bearer <token>` with the scope the operation names (tokens \
            are made on the API tokens page). Errors are `{\"error\": {\"code\", \"message\": {\"zh\", \
            \"en\"}, \"fields\": [{\"path\", \"message\"}]}}`. Lists page by `cursor`. Times are RFC 3339 \
            in China time (+08:00); days are `YYYY-MM-DD` in China time."
    ),
    paths(
        medals::list, medals::get,
        staff::list, staff::upsert,
        awards::create, awards::list, awards::revoke,
        rules::events, rules::list, rules::dry_run,
    ),
    modifiers(&Bearer),
    tags(
        (name = "medals", description = "勋章 · The medal catalogue"),
        (name = "staff", description = "员工 · People, by their 工号 (external id)"),
        (name = "awards", description = "颁奖 · Giving, listing and revoking awards"),
        (name = "events", description = "事件 · Facts for the automatic medals' rules"),
        (name = "rules", description = "规则 · The automatic medals' rules"),
    )
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A token from the API tokens page; its scopes (read, award, events, staff) \
                         say what it may call.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as JSON.
pub fn json() -> String {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_pretty_json().unwrap_or_default())
        .clone()
}

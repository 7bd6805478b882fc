//! Form pieces: banners, field errors, the one-time flash of a plain form post.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::session::take_flash;
use crate::session::Flash;
use leptos::prelude::*;
use medal_core::Msg;

/// What a plain form post left for this page load (see `ssr::flash`).
#[derive(Clone, Copy)]
pub struct FlashRes(pub Resource<Result<Option<Flash>, AppError>>);

/// The flash of this page load, shared: the layout makes it, pages outside the layout make their own.
pub fn use_flash() -> FlashRes {
    use_context::<FlashRes>().unwrap_or_else(|| {
        let f = FlashRes(Resource::new(|| (), |_| take_flash()));
        provide_context(f);
        f
    })
}

impl FlashRes {
    /// The flash if it belongs to `form`.
    pub fn for_form(&self, form: &'static str) -> Option<Flash> {
        self.0
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .filter(|f| f.form == form)
    }
}

#[component]
pub fn Banner(kind: &'static str, #[prop(into)] text: String) -> impl IntoView {
    view! { <div class=format!("banner banner-{kind}") role=if kind == "error" { "alert" } else { "status" }>{text}</div> }
}

/// The messages for one field, from the error of the last submission.
#[component]
pub fn FieldErrors(
    field: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let lang = use_lang();
    move || {
        let msgs: Vec<Msg> = error
            .get()
            .map(|e| e.messages_for(field))
            .unwrap_or_default();
        msgs.into_iter()
            .map(
                |m| view! { <p class="field-error" data-field=field>{m.get(lang).to_string()}</p> },
            )
            .collect_view()
    }
}

/// A banner for the error as a whole (shown above a form).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        error
            .get()
            .map(|e| view! { <Banner kind="error" text=e.summary(lang)/> })
    }
}

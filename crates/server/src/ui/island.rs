//! What the islands share. Islands are the only code that runs in the browser (Leptos islands
//! mode): each is a small, self-contained part of a server-rendered page that reacts — the card
//! preview, the recipient picker, live progress, the icon picker, confirmations. Every island
//! marks its root `data-ready="1"` once it runs in the browser, so a test (or a style) can tell
//! a page that reacts from one that only arrived.

use leptos::prelude::*;

/// `true` once this island runs in the browser (effects run only there).
pub fn live() -> ReadSignal<bool> {
    let (ready, set_ready) = signal(false);
    Effect::new(move |_| set_ready.set(true));
    ready
}

/// The `data-ready` attribute's value for [`live`].
pub fn ready_attr(ready: ReadSignal<bool>) -> impl Fn() -> Option<&'static str> + Copy {
    move || ready.get().then_some("1")
}

/// In the browser, runs `tick` every `period` while `busy()` says something is under way (the
/// page without JavaScript refreshes itself through `<noscript>` instead).
pub fn every(
    period: std::time::Duration,
    busy: impl Fn() -> bool + 'static,
    tick: impl Fn() + 'static,
) {
    #[cfg(feature = "hydrate")]
    if let Ok(h) = set_interval_with_handle(
        move || {
            if busy() {
                tick();
            }
        },
        period,
    ) {
        on_cleanup(move || h.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (period, busy, tick);
}

/// Loads the page again (the browser only).
pub fn reload() {
    #[cfg(feature = "hydrate")]
    let _ = window().location().reload();
}

/// A submit button that asks before it submits (an action that is hard to undo). Without
/// JavaScript the form submits at once, as a plain form.
#[island]
pub fn ConfirmSubmit(
    /// The button's text.
    label: String,
    /// The question asked.
    question: String,
    /// The button's classes.
    class: String,
) -> impl IntoView {
    let ready = live();
    let ask = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        if !window().confirm_with_message(&question).unwrap_or(true) {
            ev.prevent_default();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&ev, &question);
    };
    view! {
        <button type="submit" class=class data-ready=ready_attr(ready) on:click=ask>{label}</button>
    }
}

/// An `input` or `change` event in a server-rendered form that an island follows (see
/// [`follow_form`]): the field it came from and the form around it.
pub struct FormEvent {
    /// The field's `name`.
    pub name: String,
    /// The field's `id`.
    pub id: String,
    #[cfg(feature = "hydrate")]
    target: web_sys::Element,
    #[cfg(feature = "hydrate")]
    form: web_sys::HtmlFormElement,
}

impl FormEvent {
    /// The field's value (a text field, a select, the value of a ticked box).
    pub fn value(&self) -> String {
        #[cfg(feature = "hydrate")]
        return web_sys::js_sys::Reflect::get(&self.target, &"value".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        #[cfg(not(feature = "hydrate"))]
        String::new()
    }

    /// The form's value for `name` as it would be posted (`None`: not posted, e.g. unticked).
    pub fn get(&self, name: &str) -> Option<String> {
        #[cfg(feature = "hydrate")]
        return web_sys::FormData::new_with_form(&self.form)
            .ok()
            .and_then(|d| d.get(name).as_string());
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = name;
            None
        }
    }

    /// Every value the form would post for `name`, in page order.
    pub fn get_all(&self, name: &str) -> Vec<String> {
        #[cfg(feature = "hydrate")]
        return web_sys::FormData::new_with_form(&self.form)
            .map(|d| {
                d.get_all(name)
                    .iter()
                    .filter_map(|v| v.as_string())
                    .collect()
            })
            .unwrap_or_default();
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = name;
            Vec::new()
        }
    }

    /// A blob: URL of the file chosen in this (file) field, to show it before it is uploaded.
    pub fn file_url(&self) -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let file = self
                .target
                .dyn_ref::<web_sys::HtmlInputElement>()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))?;
            web_sys::Url::create_object_url_with_blob(&file).ok()
        }
        #[cfg(not(feature = "hydrate"))]
        None
    }
}

/// In the browser, `f` hears every `input` and `change` event in the form(s) matching
/// `form_selector`. The form stays plain server-rendered HTML (it posts, and works without
/// JavaScript); the island that follows it draws only what reacts, so the page's markup and
/// texts are not in the wasm.
pub fn follow_form(form_selector: &'static str, f: impl Fn(FormEvent) + Clone + 'static) {
    #[cfg(feature = "hydrate")]
    for kind in ["input", "change"] {
        use leptos::wasm_bindgen::JsCast;
        let f = f.clone();
        // islands stay for the page's life: the listener is never removed
        let _ = window_event_listener_untyped(kind, move |ev| {
            let Some(target) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let Some(form) = target
                .closest(form_selector)
                .ok()
                .flatten()
                .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok())
            else {
                return;
            };
            let name = target.get_attribute("name").unwrap_or_default();
            let id = target.id();
            f(FormEvent {
                name,
                id,
                target,
                form,
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (form_selector, f);
}

/// The form matching `form_selector` as it stands (in the browser; `None` on the server or when
/// there is no such form), read like an event from the form itself.
pub fn form_now(form_selector: &str) -> Option<FormEvent> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let form = document()
            .query_selector(form_selector)
            .ok()
            .flatten()?
            .dyn_into::<web_sys::HtmlFormElement>()
            .ok()?;
        Some(FormEvent {
            name: String::new(),
            id: form.id(),
            target: form.clone().into(),
            form,
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = form_selector;
        None
    }
}

/// Ticks the radio button or box that `selector` finds (in the browser).
pub fn tick(selector: &str) {
    #[cfg(feature = "hydrate")]
    if let Ok(Some(el)) = document().query_selector(selector) {
        let _ = web_sys::js_sys::Reflect::set(&el, &"checked".into(), &true.into());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
}

/// Hides (class `hidden`) the elements that `selector` finds whose text does not contain
/// `query` (case-insensitive); an empty query shows them all (in the browser).
pub fn filter_by_text(selector: &str, query: &str) {
    #[cfg(feature = "hydrate")]
    if let Ok(list) = document().query_selector_all(selector) {
        use leptos::wasm_bindgen::JsCast;
        let q = query.trim().to_lowercase();
        for i in 0..list.length() {
            let Some(el) = list
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            let text = el.text_content().unwrap_or_default().to_lowercase();
            let _ = el
                .class_list()
                .toggle_with_force("hidden", !q.is_empty() && !text.contains(&q));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (selector, query);
}

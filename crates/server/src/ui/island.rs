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

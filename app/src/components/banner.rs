//! A message across the top of the page (a broken link, a failed copy); dismissible.

use yew::prelude::*;

use crate::state::{Action, Banner, BannerKind, StateHandle};

#[derive(Properties, PartialEq)]
pub struct BannerProps {
    pub banner: Banner,
}

#[function_component(BannerView)]
pub fn banner_view(props: &BannerProps) -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    let kind = match props.banner.kind {
        BannerKind::Error => "error",
        BannerKind::Info => "info",
    };
    let dismiss = Callback::from(move |_| state.dispatch(Action::DismissBanner));
    html! {
        <div class={classes!("banner", kind)} role="alert" data-testid="banner" data-kind={kind}>
            <span class="banner-message">{ &props.banner.message }</span>
            <button class="banner-close" aria-label="Dismiss" onclick={dismiss}>{ "×" }</button>
        </div>
    }
}

//! The fidelity report: what the view cannot show of the customer's page, and why (a frame
//! from another website, a closed component, a stylesheet the customer's browser could not
//! read, a canvas with other websites' images). Hidden while there is nothing to report.

use shared_protocol::texts::ConsoleText;
use std::rc::Rc;

use shared_protocol::page_state::Unshown;
use yew::prelude::*;

use crate::settings::ConsoleSettings;

#[derive(Properties, PartialEq)]
pub struct FidelityReportProps {
    pub unshown: Vec<Unshown>,
}

#[function_component(FidelityReport)]
pub fn fidelity_report(props: &FidelityReportProps) -> Html {
    let settings = use_context::<Rc<ConsoleSettings>>().unwrap_or_default();
    if props.unshown.is_empty() {
        return html! {};
    }
    // One line per kind and detail: ten tainted canvases are one finding.
    let mut findings: Vec<(ConsoleText, &str, usize)> = Vec::new();
    for u in &props.unshown {
        let (key, detail) = (ConsoleText::unshown(&u.what), u.what.detail());
        match findings
            .iter_mut()
            .find(|(k, d, _)| *k == key && *d == detail)
        {
            Some((_, _, n)) => *n += 1,
            None => findings.push((key, detail, 1)),
        }
    }
    let lines = findings
        .into_iter()
        .map(|(key, detail, n)| (settings.text(key, &[("detail", detail)]), n));
    html! {
        <section class="fidelity" data-cobrowse-ui="fidelity" aria-live="polite">
            <h2>{settings.text(ConsoleText::FidelityTitle, &[])}</h2>
            <ul>
                { for lines.into_iter().map(|(text, n)| html! {
                    <li data-cobrowse-ui="unshown">
                        {text}
                        if n > 1 { {format!(" (×{n})")} }
                    </li>
                }) }
            </ul>
        </section>
    }
}

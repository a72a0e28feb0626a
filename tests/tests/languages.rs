//! Texts per language: a page in French (`<html lang="fr">`) gets the widget in French, from
//! its button (the loader's) to the end of the session and its reason; an agent who picks
//! French in the console gets the console in French, its end reason included, while the
//! relay serves each side the language it asked for (shipped: English and French).

use cobrowse_e2e::*;
use thirtyfour::prelude::*;

async fn console_text(agent: &WebDriver, ui: &str) -> String {
    js(
        agent,
        &format!("const e = document.querySelector('[data-cobrowse-ui={ui}]'); return e ? e.textContent : '';"),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

async fn french_on_both_sides(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    // The agent picks French; the console's texts follow without a reload.
    agent.goto(&h.started.agent_url).await?;
    let picker = eventually("the language picker", START, || async {
        agent
            .find(By::Css("[data-cobrowse-ui=language]"))
            .await
            .ok()
    })
    .await?;
    assert_eq!(console_text(agent, "join").await, "Join", "English first");
    picker
        .find(By::Css("option[value=fr]"))
        .await?
        .click()
        .await?;
    eventually("the console in French", START, || async {
        (console_text(agent, "join").await == "Rejoindre").then_some(())
    })
    .await?;
    assert_eq!(
        js(agent, "return document.documentElement.lang;").await,
        "fr"
    );

    // A French page: the button the loader draws, then the module's widget.
    customer
        .goto(&format!("{}/aide.html", h.demo_url()))
        .await?;
    let start = eventually("the co-browse button", START, || async {
        widget(customer, "start").await.ok()
    })
    .await?;
    assert_eq!(widget_text(customer, "start").await, "Co-navigation");
    start.click().await?;
    let confirm = consent_asked(customer).await?;
    assert_eq!(
        widget_text(customer, "confirm").await,
        "Je suis en ligne avec un conseiller"
    );
    confirm.click().await?;
    let code = eventually("a 9-digit code", START, || async {
        let text = widget_text(customer, "code").await;
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        (digits.len() == 9).then_some(digits)
    })
    .await?;
    assert_eq!(
        widget_text(customer, "status").await,
        "Lisez ce code au conseiller."
    );

    // The agent joins from the console it had set to French (the page reloads with the code).
    let input = agent.find(By::Css("[data-cobrowse-ui=join-code]")).await?;
    input.send_keys(&code).await?;
    agent
        .find(By::Css("[data-cobrowse-ui=join]"))
        .await?
        .click()
        .await?;
    eventually("the customer to be told, in French", START, || async {
        (widget_text(customer, "status").await == "Un conseiller voit cette page avec vous.")
            .then_some(())
    })
    .await?;

    // The agent ends it: each side says why in its language.
    agent
        .find(By::Css("[data-cobrowse-ui=exit]"))
        .await?
        .click()
        .await?;
    eventually("the customer's end, in French", START, || async {
        (widget_text(customer, "status").await
            == "Co-navigation terminée : le conseiller a mis fin à la session.")
            .then_some(())
    })
    .await?;
    eventually("the agent's end, in French", START, || async {
        (agent_status(agent).await == "Session terminée : le conseiller a mis fin à la session.")
            .then_some(())
    })
    .await?;
    Ok(())
}

e2e!(a_french_page_and_a_french_console, french_on_both_sides);

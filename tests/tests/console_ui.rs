//! The agent console and the customer widget as configured by the relay: texts from a
//! localization file on both sides, the widget's corner and colour, the high-contrast theme,
//! a session link (`#code=`) and keyboard use; a normal end, localized, is no error for the
//! site. Screenshots of both sides are written to
//! `target/screenshots/` for a person to look at.

use std::path::PathBuf;

use cobrowse_e2e::*;
use cobrowse_relay::ui_settings::{load_localization, Corner, Theme, WidgetLook};
use thirtyfour::prelude::*;

const FRENCH: &str = r#"{
  "widget": {
    "start": "Co-navigation",
    "consent": "Un conseiller verra cette page avec vous. Les champs privés restent cachés.",
    "confirm": "Je suis en ligne avec un conseiller",
    "cancel": "Annuler",
    "code_label": "Votre code de co-navigation",
    "read_code": "Lisez ce code au conseiller.",
    "viewing": "Un conseiller voit cette page avec vous.",
    "exit": "Quitter la co-navigation",
    "write_request": "Le conseiller demande à remplir des champs et cliquer pour vous.",
    "write_allow": "Autoriser",
    "write_deny": "Refuser",
    "ended": "Co-navigation terminée : {reason}."
  },
  "console": {
    "title": "Console de co-navigation",
    "join": "Rejoindre",
    "code_label": "Code du client",
    "connected": "Connecté. Vous voyez la page du client.",
    "mode_pointer": "Mode pointeur",
    "request_write": "Demander le mode écriture",
    "write_asking": "Demande envoyée au client…",
    "exit": "Quitter la session",
    "theme": "Thème"
  }
}"#;

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

async fn localized_high_contrast(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    let code = customer_starts(h, customer, "/").await?;
    assert_eq!(widget_text(customer, "start").await, "Co-navigation");
    assert!(widget_text(customer, "status")
        .await
        .contains("Lisez ce code"));
    let corner = js(
        customer,
        "const h = document.querySelector('[data-cobrowse-widget]');
         const r = h.shadowRoot.querySelector('.cb').getBoundingClientRect();
         return r.left < innerWidth / 2;",
    )
    .await;
    assert_eq!(
        corner, true,
        "the widget sits in the configured bottom-left corner"
    );

    // A session link from an agent desktop joins at once.
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    agent
        .goto(&format!("{}&code={digits}", h.started.agent_url))
        .await?;
    eventually("the agent to see the page", START, || async {
        agent_status(agent)
            .await
            .contains("Vous voyez")
            .then_some(())
    })
    .await?;
    let theme = js(agent, "return document.documentElement.dataset.theme;").await;
    assert_eq!(theme, "high-contrast");
    let background = js(
        agent,
        "return getComputedStyle(document.body).backgroundColor;",
    )
    .await;
    assert_eq!(background, "rgb(0, 0, 0)");
    let title = js(agent, "return document.querySelector('h1').textContent;").await;
    assert_eq!(title, "Console de co-navigation");

    // Keyboard only: Tab to the mode switch, Enter; the customer is asked.
    let request = agent
        .find(By::Css("[data-cobrowse-ui=request-write]"))
        .await?;
    assert_eq!(request.text().await?, "Demander le mode écriture");
    js(
        agent,
        "document.activeElement && document.activeElement.blur(); return 1;",
    )
    .await;
    let mut reached = false;
    for _ in 0..10 {
        agent.active_element().await?.send_keys(Key::Tab).await?;
        let on = js(
            agent,
            "return document.activeElement.dataset.cobrowseUi || '';",
        )
        .await;
        if on == "request-write" {
            reached = true;
            break;
        }
    }
    assert!(reached, "the mode switch is reachable by Tab");
    agent.active_element().await?.send_keys(Key::Enter).await?;
    eventually("the customer to be asked, in French", START, || async {
        widget_text(customer, "write-request")
            .await
            .contains("Le conseiller demande")
            .then_some(())
    })
    .await?;

    let dir = screenshots();
    agent
        .screenshot(&dir.join("console-high-contrast-fr.png"))
        .await?;
    customer
        .screenshot(&dir.join("widget-fr-bottom-left.png"))
        .await?;

    // The agent ends the session: a normal end, in French, is no error for the site. The
    // site's listener counts what it gets (a test event shows it would).
    js(
        customer,
        "window.cbErrors = 0;
         addEventListener('cobrowse:error', () => window.cbErrors++);
         dispatchEvent(new CustomEvent('cobrowse:error'));
         return 1;",
    )
    .await;
    assert_eq!(js(customer, "return window.cbErrors;").await, 1);
    agent
        .find(By::Css("[data-cobrowse-ui=exit]"))
        .await?
        .click()
        .await?;
    eventually("the customer's end notice, in French", START, || async {
        widget_text(customer, "status")
            .await
            .contains("Co-navigation terminée")
            .then_some(())
    })
    .await?;
    assert_eq!(
        js(customer, "return window.cbErrors;").await,
        1,
        "a normal end fires no cobrowse:error"
    );
    Ok(())
}
e2e!(
    localization_theme_and_keyboard_in_screenshots,
    localized_high_contrast,
    |c| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/l10n-test");
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("fr.json");
        std::fs::write(&path, FRENCH).expect("write localization");
        *c.locales.english_mut() = load_localization(&path).expect("a valid localization file");
        c.localization = Some(path);
        c.theme = Theme::HighContrast;
        c.widget = WidgetLook {
            position: Corner::BottomLeft,
            accent: Some("#b45309".into()),
            ..WidgetLook::default()
        };
    }
);

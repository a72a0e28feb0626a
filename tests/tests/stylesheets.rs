//! Stylesheets end to end (`www/fixtures/stylesheets.html`): linked sheets read by the
//! customer's browser and shown from their rules (imports inlined, URLs absolute), a
//! cross-origin sheet through the relay's CSS proxy, adopted sheets (set and pushed), a sheet
//! linked later, `:active` both ways, and the operator's patch sheet in the view only.

use std::time::Duration;

use cobrowse_e2e::*;
use thirtyfour::prelude::*;

const SHOW: Duration = Duration::from_secs(5);

async fn stylesheets(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    // The same server under another host name is another origin.
    let cross = format!(
        "{}/fixtures/css/cross.css",
        h.demo_url().replace("127.0.0.1", "localhost")
    );
    in_session(
        h,
        customer,
        agent,
        &format!("/fixtures/stylesheets.html?cross={cross}"),
    )
    .await?;
    assert_eq!(
        js(customer, "try { document.getElementById('cross-sheet').sheet.cssRules; return 'readable' } catch (e) { return 'cross-origin' }").await,
        "cross-origin",
        "the fixture's sheet really is unreadable to the page"
    );
    // The agent is told the view loads that one itself.
    report_says(agent, "could not be read in the customer's browser").await?;
    view_shows(
        agent,
        "the linked sheet",
        ".from-link",
        "color",
        "rgb(20, 90, 160)",
    )
    .await?;
    view_shows(
        agent,
        "the imported sheet",
        ".from-import",
        "color",
        "rgb(120, 40, 140)",
    )
    .await?;
    view_shows(
        agent,
        "the adopted sheet",
        ".adopted",
        "color",
        "rgb(0, 140, 70)",
    )
    .await?;
    view_shows(
        agent,
        "the cross-origin sheet",
        ".cross",
        "backgroundColor",
        "rgb(250, 220, 120)",
    )
    .await?;
    // The linked sheet is shown from its rules: the view fetched nothing for it, and its
    // relative url() resolved against the sheet's address, not the page's.
    assert_eq!(
        in_view(
            agent,
            "doc.querySelectorAll('style[data-cobrowse-link]').length >= 2"
        )
        .await,
        true,
        "fixtures.css and sheet.css as stand-ins"
    );
    let badge = view_style(agent, ".badge", "backgroundImage").await;
    assert!(badge.contains("/fixtures/img/logo.svg"), "{badge}");
    assert_eq!(
        js(
            customer,
            "return getComputedStyle(document.querySelector('.badge')).backgroundImage"
        )
        .await,
        badge.as_str()
    );
    // The cross-origin sheet came through the relay's proxy.
    let href = in_view(agent, "doc.querySelector('link[rel=stylesheet]').href").await;
    assert!(
        href.as_str().unwrap_or("").contains("/proxy/css?url="),
        "{href}"
    );

    // A sheet pushed onto adoptedStyleSheets (no setter runs), and one linked later.
    customer.find(By::Id("adopt-more")).await?.click().await?;
    view_shows(
        agent,
        "the sheet adopted later",
        ".later",
        "color",
        "rgb(150, 0, 0)",
    )
    .await?;
    customer.find(By::Id("link-late")).await?.click().await?;
    view_shows(
        agent,
        "the sheet linked later",
        ".late",
        "borderTopStyle",
        "dashed",
    )
    .await?;
    Ok(())
}

async fn active_both_ways(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/fixtures/stylesheets.html").await?;
    view_shows(
        agent,
        "the page's sheet",
        ".press",
        "backgroundColor",
        "rgb(230, 230, 230)",
    )
    .await?;
    // The customer holds the button down: the agent sees it pressed, then released.
    let press = customer.find(By::Id("press")).await?;
    customer
        .action_chain()
        .click_and_hold_element(&press)
        .perform()
        .await?;
    view_shows(
        agent,
        "the button pressed in the view",
        ".press",
        "backgroundColor",
        "rgb(200, 0, 0)",
    )
    .await?;
    customer.action_chain().release().perform().await?;
    view_shows(
        agent,
        "the button released in the view",
        ".press",
        "backgroundColor",
        "rgb(230, 230, 230)",
    )
    .await?;

    // The agent clicks it in the view: on the customer's page it shows pressed for a moment.
    js(
        customer,
        "window.__pressed = false;
         new MutationObserver(() => {
           if (document.getElementById('press').hasAttribute('data-cobrowse-active')) window.__pressed = true;
         }).observe(document.getElementById('press'), { attributes: true });
         return 1",
    )
    .await;
    let at = center(customer, "#press").await;
    agent_mouse_at(agent, at, &["mousemove", "mousedown", "mouseup", "click"]).await;
    eventually("the agent's press on the customer's page", SHOW, || async {
        (js(customer, "return window.__pressed").await == true).then_some(())
    })
    .await?;
    eventually("the press over", SHOW, || async {
        (js(
            customer,
            "return document.getElementById('press').hasAttribute('data-cobrowse-active')",
        )
        .await
            == false)
            .then_some(())
    })
    .await?;
    Ok(())
}

async fn patch_in_the_view_only(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/fixtures/stylesheets.html").await?;
    view_shows(
        agent,
        "the page's sheet",
        ".from-link",
        "color",
        "rgb(20, 90, 160)",
    )
    .await?;
    // The patch (see the configuration below) wins over the page's own rules, in the view.
    view_shows(
        agent,
        "the patch",
        ".from-link",
        "textTransform",
        "uppercase",
    )
    .await?;
    view_shows(
        agent,
        "the patch over the page's rule",
        ".press",
        "borderTopColor",
        "rgb(255, 0, 255)",
    )
    .await?;
    assert_eq!(
        js(
            customer,
            "return getComputedStyle(document.querySelector('.from-link')).textTransform"
        )
        .await,
        "none",
        "never on the customer's page"
    );
    Ok(())
}

fn with_patch(config: &mut cobrowse_relay::Config) {
    // In the harness's data dir, which goes away with the test.
    let path = config.data_dir.join("patch.css");
    std::fs::write(
        &path,
        ".from-link { text-transform: uppercase } .press { border-color: rgb(255, 0, 255) }",
    )
    .expect("write the patch");
    config.css_patch_url = Some(path.to_string_lossy().into_owned());
}

e2e!(
    linked_imported_cross_origin_and_adopted_sheets_are_mirrored,
    stylesheets
);
e2e!(active_shows_in_both_directions, active_both_ways);
e2e!(
    the_css_patch_applies_to_the_view_only,
    patch_in_the_view_only,
    with_patch
);

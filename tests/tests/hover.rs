//! State pseudo-classes across the two sides. `:hover` in both directions, on the demo site's
//! CSS-only menu (it opens on `li:hover`): the customer's hover opens it in the agent's view,
//! and the agent's pointer opens it on the customer's page while the customer's own pointer is
//! elsewhere. `:focus` and `:focus-within` from the customer to the agent's view.

use std::time::Duration;

use cobrowse_e2e::*;
use thirtyfour::prelude::*;

const SHOW: Duration = Duration::from_secs(5);
const SUBMENU: &str = "document.querySelector('#menu-accounts').nextElementSibling";

async fn hover_both_ways(h: &Harness, customer: &WebDriver, agent: &WebDriver) -> TestResult {
    in_session(h, customer, agent, "/").await?;
    demo_stylesheet_shown(agent).await?;
    let view_submenu =
        "getComputedStyle(doc.querySelector('#menu-accounts').nextElementSibling).display";
    assert_eq!(
        in_view(agent, view_submenu).await,
        "none",
        "closed to begin with"
    );

    // The customer hovers the menu: it opens in the agent's view.
    let menu = customer.find(By::Id("menu-accounts")).await?;
    customer
        .action_chain()
        .move_to_element_center(&menu)
        .perform()
        .await?;
    eventually("the menu open in the agent's view", SHOW, || async {
        (in_view(agent, view_submenu).await == "block").then_some(())
    })
    .await?;
    // The marker is never sent as page content.
    assert_eq!(
        in_view(
            agent,
            "doc.querySelectorAll('[data-cobrowse-hover]').length > 0"
        )
        .await,
        true
    );

    // The customer moves away; the menu closes in the view too. (Scrolled to first: Firefox's
    // driver does not scroll to an element a pointer moves to.)
    js(
        customer,
        "document.querySelector('footer').scrollIntoView({ block: 'center' }); return 1",
    )
    .await;
    let footer = customer.find(By::Css("footer")).await?;
    customer
        .action_chain()
        .move_to_element_center(&footer)
        .perform()
        .await?;
    eventually("the menu closed again in the view", SHOW, || async {
        (in_view(agent, view_submenu).await == "none").then_some(())
    })
    .await?;

    // The agent points at the menu: it opens on the customer's page. (Moving to the footer
    // scrolled the customer's page; back to the top, where the menu is.)
    js(customer, "window.scrollTo(0, 0); return 1").await;
    let customer_submenu = format!("getComputedStyle({SUBMENU}).display");
    assert_eq!(
        js(customer, &format!("return {customer_submenu}")).await,
        "none"
    );
    agent_mouse_at(
        agent,
        center(customer, "#menu-accounts").await,
        &["mousemove"],
    )
    .await;
    eventually("the menu open on the customer's page", SHOW, || async {
        (js(customer, &format!("return {customer_submenu}")).await == "block").then_some(())
    })
    .await?;
    // The agent's marks on the customer's page are not sent back as page changes: in the view
    // the menu stays closed (the customer's own pointer is elsewhere). A change made after the
    // hover arrives first: anything the hover sent would have come before it.
    js(
        customer,
        "document.body.dataset.marker = 'after-hover'; return 1",
    )
    .await;
    view_is(
        agent,
        "the marker made after the agent's hover",
        "doc.body.dataset.marker",
        "after-hover".into(),
    )
    .await?;
    assert_eq!(in_view(agent, view_submenu).await, "none");
    assert_eq!(
        in_view(
            agent,
            "doc.querySelector('#menu-accounts').hasAttribute('data-cobrowse-hover')"
        )
        .await,
        false
    );
    Ok(())
}

async fn focus_shows_in_the_view(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/").await?;
    let outline = "getComputedStyle(doc.querySelector('#username')).outlineStyle";
    let label = "getComputedStyle(doc.querySelector('#username').parentElement).color";
    demo_stylesheet_shown(agent).await?;
    assert_eq!(in_view(agent, outline).await, "none");
    customer.find(By::Id("username")).await?.click().await?;
    eventually(
        "the focus ring and focus-within in the view",
        SHOW,
        || async {
            let ring = in_view(agent, outline).await == "solid";
            let within = in_view(agent, label).await == "rgb(19, 128, 138)";
            (ring && within).then_some(())
        },
    )
    .await?;
    customer.find(By::Css(".hero h1")).await?.click().await?;
    eventually("the focus gone from the view too", SHOW, || async {
        (in_view(agent, outline).await == "none").then_some(())
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn focus_shows_in_the_agents_view() {
    let h = Harness::start().await;
    let customer = h.browser().await;
    let agent = h.browser().await;
    let result = focus_shows_in_the_view(&h, &customer, &agent).await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_shows_in_both_directions() {
    let h = Harness::start().await;
    let customer = h.browser().await;
    let agent = h.browser().await;
    let result = hover_both_ways(&h, &customer, &agent).await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
}

cobrowse_e2e::e2e_engine!(
    hover_shows_in_both_directions_with_the_customer_in_firefox,
    hover_both_ways,
    customer_in_firefox
);
cobrowse_e2e::e2e_engine!(
    hover_shows_in_both_directions_with_the_customer_in_webkit,
    hover_both_ways,
    customer_in_webkit
);
cobrowse_e2e::e2e_engine!(
    hover_shows_in_both_directions_with_the_agent_in_firefox,
    hover_both_ways,
    agent_in_firefox
);

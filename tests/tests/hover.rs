//! State pseudo-classes across the two sides. `:hover` in both directions, on the demo site's
//! CSS-only menu (it opens on `li:hover`): the customer's hover opens it in the agent's view,
//! and the agent's pointer opens it on the customer's page while the customer's own pointer is
//! elsewhere. `:focus` and `:focus-within` from the customer to the agent's view. The
//! customer's `:hover` follows the page as it moves under a pointer that stays still
//! (`www/fixtures/hover-still-pointer.html`).

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

/// The id of the tile that shows `:hover`, on the page and in the view.
const HOVERED_TILE: &str = "[...D.querySelectorAll('.tile')]
    .filter((t) => getComputedStyle(t).backgroundColor === 'rgb(19, 128, 138)')
    .map((t) => t.id).join() || null";

/// The customer's browser moves `:hover` to what is under its pointer when the page moves
/// there, with no pointer event: the view must too.
async fn hover_follows_a_still_pointer(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    in_session(h, customer, agent, "/fixtures/hover-still-pointer.html").await?;
    let hovered = |expected: &'static str, why: &'static str| async move {
        // The page itself first: the browser moved `:hover` (at its next frame).
        eventually(&format!("{why}: on the page"), SHOW, || async {
            let on_page = js(
                customer,
                &format!("const D = document; return {HOVERED_TILE};"),
            )
            .await;
            (on_page == expected).then_some(())
        })
        .await?;
        view_is(
            agent,
            &format!("{why}: in the view"),
            &format!("(() => {{ const D = doc; return {HOVERED_TILE}; }})()"),
            expected.into(),
        )
        .await
    };
    // Three tiles a row at 1280 px; the pointer on the middle of the second row.
    let tile = customer.find(By::Id("t5")).await?;
    customer
        .action_chain()
        .move_to_element_center(&tile)
        .perform()
        .await?;
    hovered("t5", "the pointer on tile 5").await?;
    // Two a row: tile 4 is where tile 5 was.
    customer.set_window_rect(0, 0, 900, 900).await?;
    hovered("t4", "the window narrowed").await?;
    // A banner pushes the tiles a row down: tile 2.
    js(customer, "addBanner(); return 1").await;
    hovered("t2", "a banner added above").await?;
    // Scrolled a row down: tile 4 again.
    js(
        customer,
        "window.scrollBy({ top: 120, behavior: 'instant' }); return 1",
    )
    .await;
    hovered("t4", "the page scrolled").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_follows_the_page_under_a_still_pointer() {
    let h = Harness::start().await;
    let customer = h.browser().await;
    let agent = h.browser().await;
    let result = hover_follows_a_still_pointer(&h, &customer, &agent).await;
    h.finish(vec![customer, agent]).await;
    if let Err(e) = result {
        panic!("{e}");
    }
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

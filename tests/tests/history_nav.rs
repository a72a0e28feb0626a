//! The agent's back and forward stay within the site: the tab's history may hold pages before
//! the customer came to the site (another site's, the relay's), and the agent's Back never
//! takes the customer there. Back within the site still works.

use cobrowse_e2e::console::{agent_notice, write_mode_granted};
use cobrowse_e2e::*;
use thirtyfour::prelude::*;

async fn nav(agent: &WebDriver, ui: &str) -> TestResult {
    agent
        .find(By::Css(format!("[data-cobrowse-ui={ui}]")))
        .await?
        .click()
        .await?;
    Ok(())
}

async fn back_stays_in_the_site(
    h: &Harness,
    customer: &WebDriver,
    agent: &WebDriver,
) -> TestResult {
    // The page before the site: another origin (the relay's own address).
    customer.goto(&format!("{}/", h.started.relay_url)).await?;
    in_session(h, customer, agent, "/").await?;
    let home = customer.current_url().await?.to_string();
    write_mode_granted(customer, agent).await?;
    eventually("the navigation bar", START, || async {
        agent
            .find(By::Css("[data-cobrowse-ui=nav-back]"))
            .await
            .ok()
    })
    .await?;

    nav(agent, "nav-back").await?;
    eventually(
        "the agent to be told Back leaves the site",
        START,
        || async {
            agent_notice(agent)
                .await
                .contains("outside the customer's website")
                .then_some(())
        },
    )
    .await?;
    // The marker: a navigation within the site, then Back, which does happen. Had the first
    // Back gone through, the customer would not be on the home page to go from.
    assert_eq!(customer.current_url().await?.to_string(), home);
    customer
        .find(By::Css("a[href='/help.html']"))
        .await?
        .click()
        .await?;
    eventually("the agent to see the help page", START, || async {
        (agent_status(agent).await.contains("viewing")
            && customer
                .current_url()
                .await
                .ok()?
                .as_str()
                .ends_with("/help.html"))
        .then_some(())
    })
    .await?;
    eventually("the console back in write mode", START, || async {
        agent
            .find(By::Css("[data-cobrowse-ui=nav-back]"))
            .await
            .ok()
    })
    .await?;
    nav(agent, "nav-back").await?;
    eventually("the customer back on the home page", START, || async {
        (customer.current_url().await.ok()?.to_string() == home).then_some(())
    })
    .await
}
e2e!(
    the_agents_back_does_not_leave_the_site,
    back_stays_in_the_site
);

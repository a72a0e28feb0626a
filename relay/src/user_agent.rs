//! The customer's user agent broken down as the reference's reporting event has it: agent
//! class, browser name and version, operating system and device. Pattern matching on the
//! well-known tokens; anything unrecognised is reported as empty rather than guessed.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAgentInfo {
    /// `Browser`, or `Robot` for crawlers.
    pub agent_class: String,
    pub agent_name: String,
    pub agent_version: String,
    pub device_brand: String,
    /// `Desktop`, `Smartphone` or `Tablet`.
    pub device_class: String,
    pub device_name: String,
    pub os_class: String,
    pub os_name: String,
    pub os_version: String,
    pub user_agent: String,
}

/// The version that follows `token` (up to a space, `;` or `)`).
fn version_after(ua: &str, token: &str) -> Option<String> {
    let start = ua.find(token)? + token.len();
    let v: String = ua[start..]
        .chars()
        .take_while(|c| !matches!(c, ' ' | ';' | ')'))
        .collect();
    Some(v.replace('_', "."))
}

fn browser(ua: &str) -> (&'static str, String) {
    const ORDER: [(&str, &str); 10] = [
        ("Edg/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("HeadlessChrome/", "Chrome Headless"),
        ("Chrome/", "Chrome"),
        ("Version/", "Safari"),
    ];
    for (token, name) in ORDER {
        if ua.contains(token) && (name != "Safari" || ua.contains("Safari/")) {
            return (name, version_after(ua, token).unwrap_or_default());
        }
    }
    if let Some(v) = version_after(ua, "MSIE ")
        .or_else(|| version_after(ua, "rv:").filter(|_| ua.contains("Trident/")))
    {
        return ("Internet Explorer", v);
    }
    ("", String::new())
}

fn os(ua: &str) -> (&'static str, String, String) {
    if let Some(v) = version_after(ua, "Windows NT ") {
        let name = match v.as_str() {
            "10.0" => "Windows 10",
            "6.3" => "Windows 8.1",
            "6.2" => "Windows 8",
            "6.1" => "Windows 7",
            _ => "Windows",
        };
        return ("Windows", name.into(), v);
    }
    if let Some(v) = version_after(ua, "iPhone OS ").or_else(|| version_after(ua, "CPU OS ")) {
        return ("iOS", format!("iOS {v}"), v);
    }
    if let Some(v) = version_after(ua, "Android ") {
        return ("Android", format!("Android {v}"), v);
    }
    if let Some(v) = version_after(ua, "Mac OS X ") {
        return ("Mac OS X", format!("Mac OS X {v}"), v);
    }
    if ua.contains("CrOS") {
        return ("Chrome OS", "Chrome OS".into(), String::new());
    }
    if ua.contains("Linux") {
        return ("Linux", "Linux".into(), String::new());
    }
    ("", String::new(), String::new())
}

fn device(ua: &str) -> (&'static str, &'static str, String) {
    if ua.contains("iPhone") {
        return ("Smartphone", "Apple", "iPhone".into());
    }
    if ua.contains("iPad") {
        return ("Tablet", "Apple", "iPad".into());
    }
    if ua.contains("Android") {
        // "Android 14; Pixel 8)" → "Pixel 8"
        let model = ua
            .split("Android")
            .nth(1)
            .and_then(|rest| rest.split(';').nth(1))
            .map(|m| m.split(')').next().unwrap_or("").trim().to_string())
            .unwrap_or_default();
        let model = model.split(" Build/").next().unwrap_or("").to_string();
        let brand = if model.starts_with("SM-") {
            "Samsung"
        } else if model.starts_with("Pixel") {
            "Google"
        } else {
            ""
        };
        let class = if ua.contains("Mobile") {
            "Smartphone"
        } else {
            "Tablet"
        };
        return (class, brand, model);
    }
    let brand = if ua.contains("Macintosh") {
        "Apple"
    } else {
        ""
    };
    ("Desktop", brand, String::new())
}

pub fn parse(ua: &str) -> UserAgentInfo {
    let lower = ua.to_ascii_lowercase();
    let robot = ["bot", "crawler", "spider"]
        .iter()
        .any(|t| lower.contains(t));
    let (agent_name, agent_version) = browser(ua);
    let (os_class, os_name, os_version) = os(ua);
    let (device_class, device_brand, device_name) = device(ua);
    UserAgentInfo {
        agent_class: if robot { "Robot" } else { "Browser" }.into(),
        agent_name: agent_name.into(),
        agent_version,
        device_brand: device_brand.into(),
        device_class: device_class.into(),
        device_name,
        os_class: os_class.into(),
        os_name,
        os_version,
        user_agent: ua.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desktop_chrome_on_windows() {
        let ua = parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
        assert_eq!(
            (ua.agent_name.as_str(), ua.agent_version.as_str()),
            ("Chrome", "131.0.0.0")
        );
        assert_eq!(
            (ua.os_class.as_str(), ua.os_name.as_str()),
            ("Windows", "Windows 10")
        );
        assert_eq!(
            (ua.device_class.as_str(), ua.agent_class.as_str()),
            ("Desktop", "Browser")
        );
    }

    #[test]
    fn safari_on_iphone_and_mac() {
        let ua = parse("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1");
        assert_eq!(
            (ua.agent_name.as_str(), ua.agent_version.as_str()),
            ("Safari", "17.4")
        );
        assert_eq!(
            (ua.os_class.as_str(), ua.os_version.as_str()),
            ("iOS", "17.4")
        );
        assert_eq!(
            (
                ua.device_class.as_str(),
                ua.device_brand.as_str(),
                ua.device_name.as_str()
            ),
            ("Smartphone", "Apple", "iPhone")
        );
        let mac = parse("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15");
        assert_eq!(
            (mac.os_class.as_str(), mac.os_version.as_str()),
            ("Mac OS X", "10.15.7")
        );
        assert_eq!(
            (mac.device_class.as_str(), mac.device_brand.as_str()),
            ("Desktop", "Apple")
        );
    }

    #[test]
    fn android_phones_and_tablets_firefox_edge_and_bots() {
        let pixel = parse("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36");
        assert_eq!(
            (
                pixel.device_class.as_str(),
                pixel.device_brand.as_str(),
                pixel.device_name.as_str()
            ),
            ("Smartphone", "Google", "Pixel 8")
        );
        assert_eq!(pixel.os_name, "Android 14");
        let tab = parse("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36");
        assert_eq!(
            (tab.device_class.as_str(), tab.device_brand.as_str()),
            ("Tablet", "Samsung")
        );
        let ff = parse("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
        assert_eq!(
            (
                ff.agent_name.as_str(),
                ff.agent_version.as_str(),
                ff.os_class.as_str()
            ),
            ("Firefox", "128.0", "Linux")
        );
        let edge = parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0.2210.91");
        assert_eq!(edge.agent_name, "Edge");
        assert_eq!(
            parse("Googlebot/2.1 (+http://www.google.com/bot.html)").agent_class,
            "Robot"
        );
        let unknown = parse("");
        assert_eq!(
            (unknown.agent_name.as_str(), unknown.os_class.as_str()),
            ("", "")
        );
    }
}

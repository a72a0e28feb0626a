//! A browser engine besides the harness's Chromium ([`Firefox`](crate::firefox::Firefox),
//! [`WebKit`](crate::webkit::WebKit)), so a test written once runs in each: generic over
//! [`Engine`] instead of one copy per engine.

use std::future::Future;

use thirtyfour::WebDriver;

/// One headless browser of an engine, with its driver.
pub trait Engine: Sized {
    /// The engine's name in messages.
    const NAME: &'static str;
    /// A new browser whose window is `width` × `height`, with a fresh profile.
    fn open(width: u32, height: u32) -> impl Future<Output = Self>;
    fn driver(&self) -> &WebDriver;
    /// Closes the browser and stops its driver.
    fn quit(self) -> impl Future<Output = ()>;
}

impl Engine for crate::firefox::Firefox {
    const NAME: &'static str = "Firefox";

    fn open(width: u32, height: u32) -> impl Future<Output = Self> {
        crate::firefox::Firefox::open(width, height)
    }

    fn driver(&self) -> &WebDriver {
        &self.driver
    }

    fn quit(self) -> impl Future<Output = ()> {
        crate::firefox::Firefox::quit(self)
    }
}

impl Engine for crate::webkit::WebKit {
    const NAME: &'static str = "WebKit";

    fn open(width: u32, height: u32) -> impl Future<Output = Self> {
        crate::webkit::WebKit::open(width, height)
    }

    fn driver(&self) -> &WebDriver {
        &self.driver
    }

    fn quit(self) -> impl Future<Output = ()> {
        crate::webkit::WebKit::quit(self)
    }
}

//! The part of the page the customer really sees. On a phone the layout viewport (what the page
//! is laid out in, and what the agent's view is sized to) and the visual viewport differ: a
//! pinch zoom shows a part of it enlarged, and the on-screen keyboard covers its lower part.
//! The customer's browser reports the visual viewport when it differs from the layout one; the
//! console outlines it over the view, so the agent points at what the customer can see.

use serde::{Deserialize, Serialize};

use crate::page::Viewport;

/// The visual viewport within the layout viewport, in the layout viewport's CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisualViewport {
    pub left: i32,
    pub top: i32,
    pub width: u32,
    pub height: u32,
    /// The pinch zoom, in percent (100: none).
    pub zoom_percent: u32,
}

/// Differences up to this many CSS pixels are rounding, not a smaller visual viewport.
const SLACK: f64 = 2.0;

impl VisualViewport {
    /// The visual viewport as `window.visualViewport` gives it (its `width`, `height` and
    /// `scale`, and its offset from the window's scroll position, which is where the agent's
    /// view is scrolled to), against `layout`, the layout viewport's size without scrollbars
    /// (what the visual viewport is when nothing zooms or covers the page); `None` when the
    /// customer sees all of it unzoomed (nothing to outline). Values a browser should
    /// never give (negative, not finite) read as no difference.
    pub fn within(
        layout: Viewport,
        offset_left: f64,
        offset_top: f64,
        width: f64,
        height: f64,
        scale: f64,
    ) -> Option<Self> {
        let finite = [offset_left, offset_top, width, height, scale]
            .iter()
            .all(|v| v.is_finite() && *v >= 0.0);
        if !finite || width <= 0.0 || height <= 0.0 || scale <= 0.0 {
            return None;
        }
        let zoomed = (scale - 1.0).abs() > 0.01;
        let smaller = width + SLACK < layout.width as f64 || height + SLACK < layout.height as f64;
        let moved = offset_left > SLACK || offset_top > SLACK;
        if !zoomed && !smaller && !moved {
            return None;
        }
        Some(Self {
            left: offset_left.round() as i32,
            top: offset_top.round() as i32,
            width: width.round() as u32,
            height: height.round() as u32,
            zoom_percent: (scale * 100.0).round() as u32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE: Viewport = Viewport {
        width: 390,
        height: 844,
    };

    #[test]
    fn the_whole_layout_viewport_unzoomed_is_nothing_to_outline() {
        assert_eq!(
            VisualViewport::within(PHONE, 0.0, 0.0, 390.0, 844.0, 1.0),
            None
        );
        // Rounding and a scrollbar's width are not a smaller viewport.
        assert_eq!(
            VisualViewport::within(PHONE, 0.0, 0.0, 389.2, 843.5, 1.0),
            None
        );
    }

    #[test]
    fn a_pinch_zoom_is_the_enlarged_part() {
        let v = VisualViewport::within(PHONE, 100.4, 200.0, 156.0, 337.6, 2.5);
        assert_eq!(
            v,
            Some(VisualViewport {
                left: 100,
                top: 200,
                width: 156,
                height: 338,
                zoom_percent: 250,
            })
        );
    }

    #[test]
    fn the_keyboard_shortens_it_unzoomed() {
        let v = VisualViewport::within(PHONE, 0.0, 0.0, 390.0, 500.0, 1.0).expect("shorter");
        assert_eq!((v.height, v.zoom_percent), (500, 100));
    }

    #[test]
    fn impossible_values_are_no_difference() {
        for (l, t, w, h, s) in [
            (f64::NAN, 0.0, 390.0, 844.0, 2.0),
            (0.0, 0.0, 0.0, 844.0, 2.0),
            (0.0, -5.0, 390.0, 500.0, 1.0),
            (0.0, 0.0, 390.0, 500.0, f64::INFINITY),
        ] {
            assert_eq!(VisualViewport::within(PHONE, l, t, w, h, s), None);
        }
    }
}

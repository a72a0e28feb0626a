//! Applying a [`PageState`]: the one routine for a snapshot's whole state and a batch's
//! changes, so the two cannot drift apart. Its stylesheet bodies are learnt before the nodes
//! are built ([`Rebuilder::expect_sheets`]); the rest follows once every node it names exists.

use shared_protocol::page_state::PageState;

use super::{view_own_css, RebuildError, Rebuilder};

impl Rebuilder {
    /// Learns the state's sheet bodies and which elements show them, before nodes are built:
    /// a `<link>` with a sheet is created as a stand-in straight away.
    pub(super) fn expect_sheets(&mut self, state: &PageState) {
        self.sheets.learn(&state.sheets, &self.page_url);
        self.incoming = state.styles.iter().map(|u| (u.id, u.sheet)).collect();
    }

    /// Applies everything but the tree, in [`PageState`]'s field order. Everything after the
    /// form values is shown even when a sheet is missing; the error then asks for it.
    pub(super) fn apply_state(&mut self, state: &PageState) -> Result<(), RebuildError> {
        self.apply_forms(&state.form)?;
        let sheets = self.apply_styles(&state.styles);
        let adopted = if state.adopted.is_empty() {
            Ok(())
        } else {
            let nodes = &self.nodes;
            self.sheets
                .apply_adopted(&self.doc, &state.adopted, |id| nodes.get(&id).cloned())
        };
        if let (Some(css), Some(style)) = (&state.state_css, &self.state_style) {
            style.set_text_content(Some(&view_own_css(css)));
        }
        // After the styles, which give the page the extent these positions need.
        self.apply_scrolls(&state.scrolls);
        if let Some(focus) = state.focus {
            self.apply_focus(focus);
        }
        if let Some(active) = state.active {
            self.marks
                .borrow_mut()
                .press(active.and_then(|id| self.nodes.get(&id)));
        }
        if let Some(layers) = &state.layers {
            self.apply_layers(layers);
        }
        self.apply_media(&state.media);
        self.apply_canvases(&state.canvases);
        self.note_unshown(&state.unshown);
        // The page changed under a pointer that did not move.
        self.marks.borrow_mut().rehover(&self.doc);
        sheets.and(adopted)
    }
}

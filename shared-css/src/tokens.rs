//! A sheet's tokens as one flat stream, blocks included, without recursion.
//!
//! cssparser enters a block (`(`, `[`, `{`, a function) only through `parse_nested_block`, one
//! call deeper per level, and gives up past 75 levels, skipping what is deeper. Here the
//! tokenizer is restarted right after each block's opening token instead, so the block's
//! content and its closing token come out at the top level like any other token: the callers
//! keep their own stack of open blocks, and nesting costs heap, never stack. A rewriter on this
//! cannot overflow the stack (on a thread as small as a wasm module's either) and sees every
//! URL, however deep.

use cssparser::{Parser, Token};

/// Which closing token ends a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closer {
    Parenthesis,
    SquareBracket,
    CurlyBracket,
}

impl Closer {
    /// The block `token` opens, if it opens one (functions close with `)`).
    pub(crate) fn opened_by(token: &Token<'_>) -> Option<Closer> {
        match token {
            Token::Function(_) | Token::ParenthesisBlock => Some(Closer::Parenthesis),
            Token::SquareBracketBlock => Some(Closer::SquareBracket),
            Token::CurlyBracketBlock => Some(Closer::CurlyBracket),
            _ => None,
        }
    }

    /// Whether `token` closes this kind of block.
    pub(crate) fn closed_by(self, token: &Token<'_>) -> bool {
        matches!(
            (self, token),
            (Closer::Parenthesis, Token::CloseParenthesis)
                | (Closer::SquareBracket, Token::CloseSquareBracket)
                | (Closer::CurlyBracket, Token::CloseCurlyBracket)
        )
    }

    pub(crate) fn as_char(self) -> char {
        match self {
            Closer::Parenthesis => ')',
            Closer::SquareBracket => ']',
            Closer::CurlyBracket => '}',
        }
    }
}

/// Calls `visit(start, end, token)` for every token of `css` in order (whitespace and comments
/// included), with byte offsets into `css`. Closing tokens come as `Close*` tokens; a caller
/// matches them against the blocks it saw open (one that closes nothing open is just a token).
pub(crate) fn for_each_token(css: &str, mut visit: impl FnMut(usize, usize, &Token<'_>)) {
    let mut base = 0;
    loop {
        let mut parser = Parser::new(&css[base..]);
        loop {
            let start = parser.position().byte_index();
            let token = match parser.next_including_whitespace_and_comments() {
                Ok(token) => token.clone(),
                Err(_) => return,
            };
            let end = parser.position().byte_index();
            visit(base + start, base + end, &token);
            if Closer::opened_by(&token).is_some() {
                // Asking this parser for the next token would skip the whole block.
                base += end;
                break;
            }
        }
    }
}

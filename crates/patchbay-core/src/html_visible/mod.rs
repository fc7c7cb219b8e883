//! A mail's HTML as the person sees it: only the text a mail client shows reaches an assistant.
//!
//! Mail is written by strangers, and a model reads every character it is given. Text the person never sees in
//! Outlook (a preheader, or words put there for the model alone) must not reach it: an instruction hidden in
//! white on white is read by the model and invisible to the person who asked it to summarise the mail.
//!
//! The HTML is parsed as a browser parses it (`dom_query`, over html5ever), then what a mail client would not
//! show is taken out before the text is made (`html2text`, as before):
//!
//! - elements that are never shown: `<head>` (and `<title>`, `<meta>`, `<link>`), `<script>`, `<style>`,
//!   `<template>`, `<noscript>`, `<iframe>`, `<object>`, `<embed>`, `<datalist>`, a `<dialog>` not open, and
//!   comments;
//! - elements with the `hidden` attribute;
//! - elements whose style (the `style` attribute and the rules of the mail's `<style>` elements) says
//!   `display: none`, `mso-hide: all` (Outlook's own), `opacity: 0`, or a zero height or width with
//!   `overflow: hidden` (how preheaders are hidden);
//! - text under `visibility: hidden` or `collapse` (a descendant may set `visible` again, as in CSS), text under
//!   2 px tall (`font-size: 0`, `1px`, or `0.1em` of that), text whose colour is transparent, and text whose
//!   colour is that of its background or close to it (a contrast ratio under 1.2: white on white, `#fefefe` on
//!   `#fff`). The background is the nearest one set (`background-color`, `background`, `bgcolor`), white
//!   when none is; under a background image the background is unknown and the colour hides nothing.
//!
//! The cascade is that of CSS, simplified: an inline declaration beats a rule of a style sheet, `!important`
//! beats both, and among rules the later wins (specificity is not weighed). The conditions of `@media` and
//! `@supports` are not evaluated: a rule inside one applies as if it were outside. So text a mail hides on
//! one kind of screen is taken out on every one; text one rule hides and a later `!important` rule shows (the
//! usual mobile/desktop pair) stays. When unsure, less text reaches the model, never hidden text.

mod css;
mod style;

use dom_query::{Document, NodeRef};
use std::collections::HashMap;
use style::{Inherited, Style};

/// Elements a mail client never shows, whatever their style.
const NEVER_SHOWN: &[&str] = &[
    "head", "title", "meta", "link", "base", "script", "style", "template", "noscript", "iframe",
    "frame", "frameset", "object", "embed", "applet", "datalist",
];

/// The text of `html` a person sees, as plain text (as `html2text`'s plain conversion makes it, 100 columns
/// wide), at most `max_chars` characters (never cut inside a character).
pub fn visible_text(html: &str, max_chars: usize) -> String {
    let visible = visible_html(html);
    let text = html2text::config::plain_no_decorate()
        .string_from_read(visible.as_bytes(), 100)
        .unwrap_or_default();
    text.trim().chars().take(max_chars).collect()
}

/// `html` without what a mail client would not show, as HTML (for a caller that converts it itself).
pub fn visible_html(html: &str) -> String {
    let doc = Document::from(html);
    let sheet = sheet_declarations(&doc);
    prune(&doc.root(), &sheet);
    doc.html().to_string()
}

/// For each element a `<style>` rule matches, that rule's declarations in document order (the rule's index
/// first).
fn sheet_declarations(
    doc: &Document,
) -> HashMap<dom_query::NodeId, Vec<(usize, css::Declaration)>> {
    let mut matched: HashMap<dom_query::NodeId, Vec<(usize, css::Declaration)>> = HashMap::new();
    let sheets: Vec<String> = doc
        .select("style")
        .nodes()
        .iter()
        .map(|n| n.text().to_string())
        .collect();
    let rules = sheets.iter().flat_map(|s| css::rules(s));
    for (order, rule) in rules.enumerate() {
        if rule.declarations.is_empty() {
            continue;
        }
        // A selector the engine cannot read (`::before`, a browser's own) matches nothing.
        let Some(selection) = doc.try_select(&rule.selectors) else {
            continue;
        };
        for node in selection.nodes() {
            matched
                .entry(node.id)
                .or_default()
                .extend(rule.declarations.iter().map(|d| (order, d.clone())));
        }
    }
    matched
}

/// Take out of `root`'s descendants what is not shown. Iterative: a mail may nest elements deeper than a
/// thread's stack would allow recursion.
fn prune(root: &NodeRef<'_>, sheet: &HashMap<dom_query::NodeId, Vec<(usize, css::Declaration)>>) {
    let mut pending = vec![(*root, Inherited::default())];
    while let Some((node, inherited)) = pending.pop() {
        for child in node.children() {
            if child.is_comment() {
                child.remove_from_parent();
            } else if child.is_text() {
                if !child.text().trim().is_empty() && !inherited.shows_text() {
                    child.remove_from_parent();
                }
            } else if child.is_element() {
                let name = child
                    .node_name()
                    .map(|n| n.to_ascii_lowercase())
                    .unwrap_or_default();
                let never = NEVER_SHOWN.contains(&name.as_str())
                    || child.has_attr("hidden")
                    || (name == "dialog" && !child.has_attr("open"));
                let style = Style::of(&child, sheet.get(&child.id).map(Vec::as_slice));
                if never || style.hides_element() {
                    child.remove_from_parent();
                } else {
                    let under = inherited.under(&style);
                    pending.push((child, under));
                }
            } else {
                pending.push((child, inherited.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! An element's style as far as showing its text goes: the declarations that win for it (see [`super`] for
//! the cascade), what it inherits, and whether that hides it.

use super::css::{self, Declaration};
use dom_query::NodeRef;

/// The font size of a mail's body, in CSS pixels, and the size under which text cannot be read.
const BODY_FONT_PX: f32 = 16.0;
const UNREADABLE_PX: f32 = 2.0;
/// Colours closer than this contrast ratio (WCAG's: 1 is the same colour, 21 black on white) cannot be told
/// apart: `#fefefe` on white is 1.01, light grey `#ddd` on white 1.36.
const INVISIBLE_CONTRAST: f32 = 1.2;

/// An RGB colour, 0 to 1 each, with its alpha.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Colour {
    r: f32,
    g: f32,
    b: f32,
    a: f32,
}

impl Colour {
    const BLACK: Colour = Colour {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        a: 1.0,
    };
    const WHITE: Colour = Colour {
        r: 1.0,
        g: 1.0,
        b: 1.0,
        a: 1.0,
    };

    fn parse(text: &str) -> Option<Colour> {
        let c = csscolorparser::parse(text.trim()).ok()?;
        Some(Colour {
            r: c.r,
            g: c.g,
            b: c.b,
            a: c.a,
        })
    }

    /// WCAG 2's relative luminance.
    fn luminance(self) -> f32 {
        let channel = |c: f32| {
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    fn contrast(self, other: Colour) -> f32 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// What an element passes to its descendants.
#[derive(Debug, Clone)]
pub struct Inherited {
    invisible: bool,
    font_px: f32,
    colour: Colour,
    /// `None`: unknown (a background image).
    background: Option<Colour>,
}

impl Default for Inherited {
    fn default() -> Self {
        Self {
            invisible: false,
            font_px: BODY_FONT_PX,
            colour: Colour::BLACK,
            background: Some(Colour::WHITE),
        }
    }
}

impl Inherited {
    /// Whether text here is seen.
    pub fn shows_text(&self) -> bool {
        let same_as_background = self
            .background
            .is_some_and(|bg| self.colour.contrast(bg) < INVISIBLE_CONTRAST);
        !self.invisible
            && self.font_px >= UNREADABLE_PX
            && self.colour.a >= 0.1
            && !same_as_background
    }

    /// What the children of an element with `style` inherit.
    pub fn under(&self, style: &Style) -> Inherited {
        let mut next = self.clone();
        if let Some(v) = style.get("visibility") {
            match v.to_ascii_lowercase().as_str() {
                "hidden" | "collapse" => next.invisible = true,
                "visible" => next.invisible = false,
                _ => {}
            }
        }
        if let Some(size) = style.get("font-size") {
            if let Some(px) = font_px(size, self.font_px) {
                next.font_px = px;
            }
        }
        if let Some(colour) = style.get("color").and_then(Colour::parse) {
            next.colour = colour;
        }
        if let Some(background) = style.background() {
            next.background = background;
        }
        next
    }
}

/// The declarations that win for one element, by property.
pub struct Style {
    winners: Vec<(String, String)>,
    /// Presentational attributes (`bgcolor`, `<font color>`), beneath any CSS.
    background_attr: Option<String>,
    colour_attr: Option<String>,
    background_image_attr: bool,
}

impl Style {
    /// `node`'s style: `sheet`, the declarations of the rules that match it (with each rule's order), beneath
    /// its `style` attribute, `!important` above both.
    pub fn of(node: &NodeRef<'_>, sheet: Option<&[(usize, Declaration)]>) -> Style {
        // (important, inline, order): the greatest wins.
        let mut ranked: Vec<((bool, bool, usize), &Declaration)> = sheet
            .unwrap_or_default()
            .iter()
            .map(|(order, d)| ((d.important, false, *order), d))
            .collect();
        let inline = node
            .attr("style")
            .map(|s| css::declarations(&s))
            .unwrap_or_default();
        ranked.extend(
            inline
                .iter()
                .enumerate()
                .map(|(i, d)| ((d.important, true, i), d)),
        );
        ranked.sort_by_key(|(rank, _)| *rank);
        let mut winners: Vec<(String, String)> = Vec::new();
        for (_, d) in ranked {
            winners.retain(|(p, _)| *p != d.property);
            winners.push((d.property.clone(), d.value.clone()));
        }
        let is = |name: &str| {
            node.node_name()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        };
        Style {
            winners,
            background_attr: node.attr("bgcolor").map(|v| v.to_string()),
            colour_attr: is("font")
                .then(|| node.attr("color").map(|v| v.to_string()))
                .flatten(),
            background_image_attr: node.has_attr("background"),
        }
    }

    fn get(&self, property: &str) -> Option<&str> {
        self.winners
            .iter()
            .find(|(p, _)| p == property)
            .map(|(_, v)| v.as_str())
            .or(match property {
                "color" => self.colour_attr.as_deref(),
                _ => None,
            })
    }

    fn keyword(&self, property: &str) -> Option<String> {
        self.get(property).map(|v| v.trim().to_ascii_lowercase())
    }

    /// Whether the element and all it holds are not shown.
    pub fn hides_element(&self) -> bool {
        let zero = |property: &str| self.get(property).is_some_and(is_zero_length);
        let clipped = self
            .keyword("overflow")
            .or_else(|| self.keyword("overflow-y"))
            .is_some_and(|o| o == "hidden" || o == "clip");
        self.keyword("display").as_deref() == Some("none")
            || self.keyword("mso-hide").as_deref() == Some("all")
            || self
                .get("opacity")
                .and_then(opacity)
                .is_some_and(|o| o < 0.1)
            || (clipped
                && (zero("height") || zero("max-height") || zero("width") || zero("max-width")))
    }

    /// The background this element sets: `Some(Some(colour))`, `Some(None)` for an image (unknown),
    /// `None` when it sets none (or a transparent one).
    fn background(&self) -> Option<Option<Colour>> {
        let image = self.background_image_attr
            || self
                .get("background-image")
                .is_some_and(|v| !v.trim().eq_ignore_ascii_case("none"))
            || self
                .get("background")
                .is_some_and(|v| v.to_ascii_lowercase().contains("url("));
        if image {
            return Some(None);
        }
        let colour = self
            .get("background-color")
            .and_then(Colour::parse)
            .or_else(|| self.get("background").and_then(shorthand_colour))
            .or_else(|| self.background_attr.as_deref().and_then(Colour::parse))?;
        (colour.a >= 0.5).then_some(Some(colour))
    }
}

/// The colour in a `background` shorthand (`#fff`, `white no-repeat`, `rgb(0, 0, 0) top`).
fn shorthand_colour(value: &str) -> Option<Colour> {
    Colour::parse(value).or_else(|| {
        let mut depth = 0usize;
        let mut start = 0;
        let mut words = Vec::new();
        for (i, c) in value.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                c if c.is_whitespace() && depth == 0 => {
                    words.push(&value[start..i]);
                    start = i + c.len_utf8();
                }
                _ => {}
            }
        }
        words.push(&value[start..]);
        words.into_iter().find_map(Colour::parse)
    })
}

/// `0`, `0px`, `0.0em`, `0%`.
fn is_zero_length(value: &str) -> bool {
    let number: String = value
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-' || *c == '+')
        .collect();
    number.parse::<f32>().is_ok_and(|n| n.abs() < f32::EPSILON)
}

/// `0.5`, `50%`.
fn opacity(value: &str) -> Option<f32> {
    let value = value.trim();
    match value.strip_suffix('%') {
        Some(p) => p.trim().parse::<f32>().ok().map(|p| p / 100.0),
        None => value.parse::<f32>().ok(),
    }
}

/// A `font-size` in pixels, given the parent's.
fn font_px(value: &str, parent_px: f32) -> Option<f32> {
    let value = value.trim().to_ascii_lowercase();
    let keyword = match value.as_str() {
        "xx-small" => Some(9.0),
        "x-small" => Some(10.0),
        "small" => Some(13.0),
        "medium" => Some(16.0),
        "large" => Some(18.0),
        "x-large" => Some(24.0),
        "xx-large" => Some(32.0),
        "xxx-large" => Some(48.0),
        "smaller" => Some(parent_px / 1.2),
        "larger" => Some(parent_px * 1.2),
        _ => None,
    };
    if keyword.is_some() {
        return keyword;
    }
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let n: f32 = number.parse().ok()?;
    let px = match unit.trim() {
        "" | "px" => n,
        "pt" => n * 4.0 / 3.0,
        "pc" => n * 16.0,
        "in" => n * 96.0,
        "cm" => n * 96.0 / 2.54,
        "mm" => n * 96.0 / 25.4,
        "q" => n * 96.0 / 101.6,
        "em" => n * parent_px,
        "ex" | "ch" => n * parent_px / 2.0,
        "%" => n * parent_px / 100.0,
        "rem" => n * BODY_FONT_PX,
        "vw" | "vh" | "vmin" | "vmax" => n * 8.0,
        _ => return None,
    };
    Some(px.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_colours_and_lengths_are_read_as_css_reads_them() {
        assert_eq!(font_px("0", 16.0), Some(0.0));
        assert_eq!(font_px("0PX", 16.0), Some(0.0));
        assert_eq!(font_px("12pt", 16.0), Some(16.0));
        assert_eq!(font_px("50%", 16.0), Some(8.0));
        assert_eq!(font_px("2em", 0.0), Some(0.0));
        assert_eq!(font_px("small", 0.0), Some(13.0));
        assert_eq!(font_px("inherit", 16.0), None);
        assert!(is_zero_length("0"));
        assert!(is_zero_length("0.0px"));
        assert!(!is_zero_length("10px"));
        assert!(!is_zero_length("auto"));
        assert_eq!(opacity("0"), Some(0.0));
        assert_eq!(opacity("0.0%"), Some(0.0));
        let white = Colour::parse("#FFF").unwrap();
        assert!(white.contrast(Colour::parse("white").unwrap()) < 1.01);
        assert!(white.contrast(Colour::parse("rgb(254, 254, 254)").unwrap()) < INVISIBLE_CONTRAST);
        assert!(white.contrast(Colour::parse("#ddd").unwrap()) > INVISIBLE_CONTRAST);
        assert_eq!(
            shorthand_colour("url(x.png) no-repeat"),
            None,
            "no colour in it"
        );
        assert_eq!(shorthand_colour("#000 top left"), Colour::parse("black"));
        assert_eq!(
            shorthand_colour("rgb(0, 0, 0) repeat-x"),
            Colour::parse("black")
        );
    }
}

//! CSS as a mail's HTML carries it, read with `cssparser` (the tokenizer browsers' engines share): the
//! declarations of a `style` attribute, and the rules of a `<style>` element (those inside `@media`,
//! `@supports` and other grouping rules included).

use cssparser::{
    AtRuleParser, CowRcStr, DeclarationParser, ParseError, Parser, ParserInput, ParserState,
    QualifiedRuleParser, RuleBodyItemParser, RuleBodyParser, StyleSheetParser, Token,
};

/// One declaration: its property (lower case), its value as written (without `!important`), and whether it
/// is important.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub property: String,
    pub value: String,
    pub important: bool,
}

/// A style rule: its selector list as written, and its declarations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub selectors: String,
    pub declarations: Vec<Declaration>,
}

/// The declarations of a `style` attribute, in order. Invalid ones are skipped, as a browser skips them.
pub fn declarations(text: &str) -> Vec<Declaration> {
    let mut input = ParserInput::new(text);
    let mut parser = Parser::new(&mut input);
    RuleBodyParser::new(&mut parser, &mut Declarations)
        .filter_map(Result::ok)
        .flatten()
        .collect()
}

/// The style rules of a style sheet, in order, those inside grouping at-rules (`@media`, `@supports`…)
/// included: their conditions are not evaluated (see [`super`]).
pub fn rules(text: &str) -> Vec<Rule> {
    let mut input = ParserInput::new(text);
    let mut parser = Parser::new(&mut input);
    collect(&mut parser)
}

fn collect(parser: &mut Parser<'_, '_>) -> Vec<Rule> {
    StyleSheetParser::new(parser, &mut Rules)
        .filter_map(Result::ok)
        .flatten()
        .collect()
}

/// Everything left in `input`, as written.
fn rest<'i>(input: &mut Parser<'i, '_>) -> &'i str {
    let start = input.position();
    while input.next_including_whitespace_and_comments().is_ok() {}
    input.slice_from(start)
}

struct Declarations;

impl<'i> DeclarationParser<'i> for Declarations {
    type Declaration = Option<Declaration>;
    type Error = ();

    fn parse_value<'t>(
        &mut self,
        name: CowRcStr<'i>,
        input: &mut Parser<'i, 't>,
        _: &ParserState,
    ) -> Result<Self::Declaration, ParseError<'i, ()>> {
        let start = input.position();
        let mut end = start;
        let mut important = false;
        loop {
            if input.try_parse(cssparser::parse_important).is_ok() {
                important = true;
                break;
            }
            let opens_block = match input.next_including_whitespace() {
                Ok(token) => matches!(
                    token,
                    Token::Function(_)
                        | Token::ParenthesisBlock
                        | Token::SquareBracketBlock
                        | Token::CurlyBracketBlock
                ),
                Err(_) => break,
            };
            if opens_block {
                // Its contents are part of the value (`rgb(255, 255, 255)`).
                let _ = input.parse_nested_block(|inner| {
                    rest(inner);
                    Ok::<(), ParseError<'i, ()>>(())
                });
            }
            end = input.position();
        }
        Ok(Some(Declaration {
            property: name.to_ascii_lowercase(),
            value: input.slice(start..end).trim().to_string(),
            important,
        }))
    }
}

impl<'i> AtRuleParser<'i> for Declarations {
    type Prelude = ();
    type AtRule = Option<Declaration>;
    type Error = ();
}

impl<'i> QualifiedRuleParser<'i> for Declarations {
    type Prelude = ();
    type QualifiedRule = Option<Declaration>;
    type Error = ();
}

impl<'i> RuleBodyItemParser<'i, Option<Declaration>, ()> for Declarations {
    fn parse_declarations(&self) -> bool {
        true
    }

    fn parse_qualified(&self) -> bool {
        false
    }
}

struct Rules;

impl<'i> QualifiedRuleParser<'i> for Rules {
    type Prelude = String;
    type QualifiedRule = Vec<Rule>;
    type Error = ();

    fn parse_prelude<'t>(
        &mut self,
        input: &mut Parser<'i, 't>,
    ) -> Result<String, ParseError<'i, ()>> {
        Ok(rest(input).trim().to_string())
    }

    fn parse_block<'t>(
        &mut self,
        selectors: String,
        _: &ParserState,
        input: &mut Parser<'i, 't>,
    ) -> Result<Vec<Rule>, ParseError<'i, ()>> {
        let declarations = RuleBodyParser::new(input, &mut Declarations)
            .filter_map(Result::ok)
            .flatten()
            .collect();
        Ok(vec![Rule {
            selectors,
            declarations,
        }])
    }
}

impl<'i> AtRuleParser<'i> for Rules {
    /// Whether the at-rule groups style rules (its block is read as rules).
    type Prelude = bool;
    type AtRule = Vec<Rule>;
    type Error = ();

    fn parse_prelude<'t>(
        &mut self,
        name: CowRcStr<'i>,
        input: &mut Parser<'i, 't>,
    ) -> Result<bool, ParseError<'i, ()>> {
        rest(input);
        Ok([
            "media",
            "supports",
            "document",
            "-moz-document",
            "layer",
            "container",
            "scope",
        ]
        .iter()
        .any(|g| name.eq_ignore_ascii_case(g)))
    }

    fn rule_without_block(&mut self, _: bool, _: &ParserState) -> Result<Vec<Rule>, ()> {
        Ok(Vec::new())
    }

    fn parse_block<'t>(
        &mut self,
        grouping: bool,
        _: &ParserState,
        input: &mut Parser<'i, 't>,
    ) -> Result<Vec<Rule>, ParseError<'i, ()>> {
        if grouping {
            Ok(collect(input))
        } else {
            rest(input);
            Ok(Vec::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(property: &str, value: &str, important: bool) -> Declaration {
        Declaration {
            property: property.into(),
            value: value.into(),
            important,
        }
    }

    #[test]
    fn declarations_are_read_whatever_their_spacing_case_and_importance() {
        assert_eq!(
            declarations(" DISPLAY : None ;color:#FFF!important;; font-size:0px ! IMPORTANT "),
            [
                d("display", "None", false),
                d("color", "#FFF", true),
                d("font-size", "0px", true)
            ]
        );
        // A value with a semicolon inside a string or a function is one value.
        assert_eq!(
            declarations("background:url('a;b.png') #fff; x: \"a;b\""),
            [
                d("background", "url('a;b.png') #fff", false),
                d("x", "\"a;b\"", false)
            ]
        );
        // Broken declarations are skipped; the next one is read.
        assert_eq!(
            declarations("color:rgb(255, 255, 255) !important; background: RGB(0 0 0 / 50%)"),
            [
                d("color", "rgb(255, 255, 255)", true),
                d("background", "RGB(0 0 0 / 50%)", false)
            ]
        );
        assert_eq!(
            declarations("display; :none; color: red"),
            [d("color", "red", false)]
        );
    }

    #[test]
    fn rules_are_read_inside_grouping_rules_and_others_skipped() {
        let sheet = "@import url(x.css); .a, p > b { display: none } \
                     @media screen and (max-width: 600px) { .b { color: #fff !important } } \
                     @font-face { font-family: x } /* note */ #c{font-size:0}";
        let rules = rules(sheet);
        assert_eq!(
            rules
                .iter()
                .map(|r| r.selectors.as_str())
                .collect::<Vec<_>>(),
            [".a, p > b", ".b", "#c"]
        );
        assert_eq!(rules[1].declarations, [d("color", "#fff", true)]);
    }
}

//! Microsoft Graph's published v1.0 schema, as `graph-v1.0.json` holds what the tests need of it (derived from
//! msgraph-metadata's CSDL: see README.md beside this file), and a checker of Graph answers against it
//! ([`check`]): every property declared on the type or a base type, with a value of the declared type.
#![allow(dead_code)]

pub mod check;
mod edm;
pub mod probe;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The derived schema, as committed.
const GRAPH_V1: &str = include_str!("graph-v1.0.json");

#[derive(Debug, Deserialize)]
pub struct Schema {
    pub roots: Vec<String>,
    pub types: HashMap<String, TypeDef>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TypeDef {
    Entity(Structured),
    Complex(Structured),
    Enum(EnumDef),
}

#[derive(Debug, Deserialize)]
pub struct Structured {
    pub base: Option<String>,
    #[serde(default)]
    pub open: bool,
    #[serde(default, rename = "abstract")]
    pub is_abstract: bool,
    #[serde(default)]
    pub properties: HashMap<String, Property>,
    #[serde(default)]
    pub navigation: HashMap<String, Navigation>,
}

#[derive(Debug, Deserialize)]
pub struct Property {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default = "yes")]
    pub nullable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
pub struct Navigation {
    #[serde(rename = "type")]
    pub type_name: String,
}

#[derive(Debug, Deserialize)]
pub struct EnumDef {
    pub members: Vec<String>,
    #[serde(default)]
    pub flags: bool,
}

/// What a name on a structured type is.
pub enum Member<'a> {
    Property(&'a Property),
    Navigation(&'a Navigation),
}

impl Schema {
    /// Graph v1.0, parsed once.
    pub fn graph() -> &'static Schema {
        static SCHEMA: OnceLock<Schema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            serde_json::from_str(GRAPH_V1)
                .unwrap_or_else(|e| panic!("tests/schema/graph-v1.0.json does not parse: {e}"))
        })
    }

    pub fn structured(&self, name: &str) -> Option<&Structured> {
        match self.types.get(name)? {
            TypeDef::Entity(s) | TypeDef::Complex(s) => Some(s),
            TypeDef::Enum(_) => None,
        }
    }

    pub fn enumeration(&self, name: &str) -> Option<&EnumDef> {
        match self.types.get(name)? {
            TypeDef::Enum(e) => Some(e),
            _ => None,
        }
    }

    /// `name` and its base types, the type itself first.
    pub fn lineage<'a>(&'a self, name: &'a str) -> Vec<&'a str> {
        let mut chain = vec![name];
        let mut current = name;
        while let Some(base) = self.structured(current).and_then(|s| s.base.as_deref()) {
            if chain.contains(&base) {
                break;
            }
            chain.push(base);
            current = base;
        }
        chain
    }

    /// Whether `derived` is `base` or derives from it.
    pub fn derives_from(&self, derived: &str, base: &str) -> bool {
        self.lineage(derived).contains(&base)
    }

    /// The member `name` of `type_name`, declared on it or on a base type.
    pub fn member(&self, type_name: &str, name: &str) -> Option<Member<'_>> {
        self.lineage(type_name).into_iter().find_map(|t| {
            let s = self.structured(t)?;
            s.properties
                .get(name)
                .map(Member::Property)
                .or_else(|| s.navigation.get(name).map(Member::Navigation))
        })
    }
}

//! Derive `tests/schema/graph-v1.0.json` from Microsoft Graph's published v1.0 schema: the CSDL (the
//! `$metadata` of Graph's v1.0 endpoint) that microsoftgraph/msgraph-metadata publishes as
//! `schemas/v1.0-Prod.csdl`.
//!
//! ```text
//! cargo run -p patchbay-sandbox --example derive_graph_schema -- \
//!     path/to/graph-v1.0-Prod.csdl crates/patchbay-sandbox/tests/schema/graph-v1.0.json
//! ```
//!
//! The CSDL is read by quick-xml's serde deserializer. Only what the schema test needs is written: the entity
//! and complex types named in [`ROOTS`] and every type they reach — their base types, the types of their
//! structural properties, and the types derived from a type a value is declared as (an `@odata.type` may select
//! one) — with each type's properties (name, type, nullability), navigation properties (name and type; their
//! targets are followed only when they are roots themselves), whether it is open or abstract, and the members of
//! every enum type reached. Names are written in full (`microsoft.graph.message`), aliases resolved.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::Deserialize;
use serde_json::{json, Map, Value};

/// The types the sandbox answers with (and so the schema test validates against).
const ROOTS: &[&str] = &[
    "microsoft.graph.user",
    "microsoft.graph.message",
    "microsoft.graph.mailFolder",
    "microsoft.graph.attachment",
    "microsoft.graph.event",
    "microsoft.graph.mailboxSettings",
    "microsoft.graph.drive",
    "microsoft.graph.driveItem",
    "microsoft.graph.site",
    "microsoft.graph.permission",
    "microsoft.graph.uploadSession",
];

#[derive(Deserialize)]
struct Edmx {
    #[serde(rename = "DataServices")]
    data_services: DataServices,
}

#[derive(Deserialize)]
struct DataServices {
    #[serde(rename = "Schema", default)]
    schemas: Vec<Schema>,
}

#[derive(Deserialize)]
struct Schema {
    #[serde(rename = "@Namespace")]
    namespace: String,
    #[serde(rename = "@Alias")]
    alias: Option<String>,
    #[serde(rename = "EntityType", default)]
    entity_types: Vec<StructuredType>,
    #[serde(rename = "ComplexType", default)]
    complex_types: Vec<StructuredType>,
    #[serde(rename = "EnumType", default)]
    enum_types: Vec<EnumType>,
}

#[derive(Deserialize)]
struct StructuredType {
    #[serde(rename = "@Name")]
    name: String,
    #[serde(rename = "@BaseType")]
    base_type: Option<String>,
    #[serde(rename = "@OpenType")]
    open: Option<bool>,
    #[serde(rename = "@Abstract")]
    is_abstract: Option<bool>,
    #[serde(rename = "Property", default)]
    properties: Vec<Property>,
    #[serde(rename = "NavigationProperty", default)]
    navigation: Vec<Property>,
}

#[derive(Deserialize)]
struct Property {
    #[serde(rename = "@Name")]
    name: String,
    #[serde(rename = "@Type")]
    kind: String,
    #[serde(rename = "@Nullable")]
    nullable: Option<bool>,
}

#[derive(Deserialize)]
struct EnumType {
    #[serde(rename = "@Name")]
    name: String,
    #[serde(rename = "@IsFlags")]
    flags: Option<bool>,
    #[serde(rename = "Member", default)]
    members: Vec<Member>,
}

#[derive(Deserialize)]
struct Member {
    #[serde(rename = "@Name")]
    name: String,
}

/// A structured type with its names resolved.
struct Structured {
    kind: &'static str,
    base: Option<String>,
    open: bool,
    is_abstract: bool,
    properties: Vec<(String, String, bool)>,
    navigation: Vec<(String, String)>,
}

/// `Collection(graph.recipient)` → `microsoft.graph.recipient` (the element type, alias resolved).
fn element(type_name: &str) -> &str {
    type_name
        .strip_prefix("Collection(")
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(type_name)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: derive_graph_schema <graph-v1.0-Prod.csdl> <graph-v1.0.json>".into());
    };
    let xml = std::fs::read_to_string(input)?;
    let edmx: Edmx = quick_xml::de::from_str(&xml)?;
    let schemas = edmx.data_services.schemas;

    // Aliases (`graph.` for `microsoft.graph.`) to namespaces.
    let aliases: Vec<(String, String)> = schemas
        .iter()
        .filter_map(|s| s.alias.clone().map(|a| (a, s.namespace.clone())))
        .collect();
    let resolve = |name: &str| -> String {
        let (collection, inner) = match name
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            Some(inner) => (true, inner),
            None => (false, name),
        };
        let full = match inner.rsplit_once('.') {
            Some((ns, local)) => match aliases.iter().find(|(a, _)| a == ns) {
                Some((_, namespace)) => format!("{namespace}.{local}"),
                None => inner.to_string(),
            },
            None => inner.to_string(),
        };
        if collection {
            format!("Collection({full})")
        } else {
            full
        }
    };

    let mut structured: BTreeMap<String, Structured> = BTreeMap::new();
    let mut enums: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
    for schema in &schemas {
        for (kind, list) in [
            ("entity", &schema.entity_types),
            ("complex", &schema.complex_types),
        ] {
            for t in list {
                structured.insert(
                    format!("{}.{}", schema.namespace, t.name),
                    Structured {
                        kind,
                        base: t.base_type.as_deref().map(&resolve),
                        open: t.open.unwrap_or(false),
                        is_abstract: t.is_abstract.unwrap_or(false),
                        properties: t
                            .properties
                            .iter()
                            .map(|p| (p.name.clone(), resolve(&p.kind), p.nullable.unwrap_or(true)))
                            .collect(),
                        navigation: t
                            .navigation
                            .iter()
                            .map(|p| (p.name.clone(), resolve(&p.kind)))
                            .collect(),
                    },
                );
            }
        }
        for e in &schema.enum_types {
            enums.insert(
                format!("{}.{}", schema.namespace, e.name),
                (
                    e.flags.unwrap_or(false),
                    e.members.iter().map(|m| m.name.clone()).collect(),
                ),
            );
        }
    }
    let mut derived: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, t) in &structured {
        if let Some(base) = &t.base {
            derived
                .entry(base.as_str())
                .or_default()
                .push(name.as_str());
        }
    }

    // The closure. A type reached as a value (a root, a property's type) brings the types derived from it; a
    // type reached only as a base does not (every entity derives from `entity`).
    let mut included: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<(String, bool)> = ROOTS.iter().map(|r| (r.to_string(), true)).collect();
    let mut as_value: BTreeSet<String> = BTreeSet::new();
    while let Some((name, value)) = queue.pop_front() {
        if enums.contains_key(&name) || name.starts_with("Edm.") {
            included.insert(name);
            continue;
        }
        let Some(t) = structured.get(&name) else {
            return Err(format!("the CSDL has no type {name}").into());
        };
        if value && as_value.insert(name.clone()) {
            for d in derived.get(name.as_str()).into_iter().flatten() {
                queue.push_back((d.to_string(), true));
            }
        }
        if !included.insert(name.clone()) {
            continue;
        }
        if let Some(base) = &t.base {
            queue.push_back((base.clone(), false));
        }
        for (_, kind, _) in &t.properties {
            queue.push_back((element(kind).to_string(), true));
        }
    }

    let mut types = Map::new();
    for name in &included {
        if let Some(t) = structured.get(name) {
            let mut properties = Map::new();
            for (p, kind, nullable) in &t.properties {
                let mut v = json!({ "type": kind });
                if !nullable {
                    v["nullable"] = json!(false);
                }
                properties.insert(p.clone(), v);
            }
            let navigation: Map<String, Value> = t
                .navigation
                .iter()
                .map(|(p, kind)| (p.clone(), json!({ "type": kind })))
                .collect();
            let mut v = json!({ "kind": t.kind });
            if let Some(base) = &t.base {
                v["base"] = json!(base);
            }
            if t.open {
                v["open"] = json!(true);
            }
            if t.is_abstract {
                v["abstract"] = json!(true);
            }
            v["properties"] = Value::Object(properties);
            if !navigation.is_empty() {
                v["navigation"] = Value::Object(navigation);
            }
            types.insert(name.clone(), v);
        } else if let Some((flags, members)) = enums.get(name) {
            let mut v = json!({ "kind": "enum", "members": members });
            if *flags {
                v["flags"] = json!(true);
            }
            types.insert(name.clone(), v);
        }
    }
    let digest = ring::digest::digest(&ring::digest::SHA256, xml.as_bytes());
    let sha256: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let file_name = std::path::Path::new(input)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let document = json!({
        "source": {
            "description": "Derived from Microsoft Graph's v1.0 CSDL, as microsoftgraph/msgraph-metadata publishes it (schemas/v1.0-Prod.csdl).",
            "file": file_name,
            "sha256": sha256,
            "regenerate": "cargo run -p patchbay-sandbox --example derive_graph_schema -- <graph-v1.0-Prod.csdl> crates/patchbay-sandbox/tests/schema/graph-v1.0.json",
        },
        "roots": ROOTS,
        "types": types,
    });
    let mut text = serde_json::to_string_pretty(&document)?;
    text.push('\n');
    std::fs::write(output, text)?;
    eprintln!(
        "{} types, reached from {} roots, written to {output}",
        types.len(),
        ROOTS.len()
    );
    Ok(())
}

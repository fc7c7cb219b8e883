//! Validate a Graph answer against the schema: every property present is declared on the type or one of its
//! base types (or is an instance annotation: `@odata.*`, `@microsoft.graph.*`, `@removed`), and holds a JSON
//! value of the declared type — primitives as [`super::edm`] writes them, enum members by name, objects checked
//! recursively against their complex or entity type (an `@odata.type` selecting a derived one), arrays for
//! collections, `null` only where the property is nullable.
//!
//! An open type may carry properties its declaration does not name. The sandbox is held to the declared ones
//! anyway, except on the types in [`OPEN_ACCEPTED`] and for the pairs in [`UNDECLARED`], each with why.

use serde_json::{Map, Value};

use super::edm::{self, shape};
use super::{Member, Schema};

/// Open types (and those derived from them) on which any undeclared property is accepted. `identity` is open in
/// the CSDL, and Graph fills it with more than `id` and `displayName` in files answers: OneDrive and SharePoint
/// send `email` on `createdBy.user`, for one (see the driveItem examples of the "Get driveItem" reference).
pub const OPEN_ACCEPTED: &[&str] = &["microsoft.graph.identity"];

/// Undeclared properties the sandbox sends on an open type because Graph does: (type, property, the type its
/// value is checked as, where Graph is seen sending it).
pub const UNDECLARED: &[(&str, &str, &str, &str)] = &[(
    "microsoft.graph.identitySet",
    "group",
    "microsoft.graph.identity",
    "a SharePoint library's `owner` (GET /sites/{id}/drive) is the site's group, sent as `owner.group` with no \
     @odata.type, though only the derived sharePointIdentitySet declares `group` (microsoft-graph-docs issue \
     #18207, \"createdBy, lastModifiedBy and owner properties seem to be of type sharePointIdentitySet\")",
)];

/// Check `v` as an entity (or complex value) of `type_name`. The problems found, each with its JSON path.
pub fn entity(type_name: &str, v: &Value) -> Vec<String> {
    let mut c = Checker::new();
    c.value("$", type_name, false, v);
    c.problems
}

/// Check a collection answer: only annotations beside `value`, and each element of `value` of `element`.
pub fn collection(element: &str, v: &Value) -> Vec<String> {
    let mut c = Checker::new();
    let Some(object) = v.as_object() else {
        return vec![format!(
            "$: a collection is a JSON object, not {}",
            shape(v)
        )];
    };
    for key in object.keys() {
        if key != "value" && !is_annotation(key) {
            c.problem("$", format!("'{key}' is neither 'value' nor an annotation"));
        }
    }
    match object.get("value") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                c.value(&format!("$.value[{i}]"), element, false, item);
            }
        }
        Some(other) => c.problem("$.value", format!("is an array, not {}", shape(other))),
        None => c.problem("$", "has no 'value'".into()),
    }
    c.problems
}

/// `@odata.context`, `@odata.nextLink`, `@microsoft.graph.downloadUrl`, `@removed`.
fn is_annotation(key: &str) -> bool {
    key == "@removed" || key.starts_with("@odata.") || key.starts_with("@microsoft.graph.")
}

struct Checker {
    schema: &'static Schema,
    problems: Vec<String>,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            schema: Schema::graph(),
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, path: &str, what: String) {
        self.problems.push(format!("{path}: {what}"));
    }

    /// `v` at `path`, declared as `declared` (`Collection(…)`, `Edm.*`, an enum or a structured type).
    fn value(&mut self, path: &str, declared: &str, nullable: bool, v: &Value) {
        if let Some(element) = declared
            .strip_prefix("Collection(")
            .and_then(|t| t.strip_suffix(')'))
        {
            match v {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.value(&format!("{path}[{i}]"), element, nullable, item);
                    }
                }
                other => self.problem(
                    path,
                    format!("{declared} is a JSON array, not {}", shape(other)),
                ),
            }
            return;
        }
        if v.is_null() {
            if !nullable {
                self.problem(
                    path,
                    format!("null, but {declared} is declared Nullable=\"false\""),
                );
            }
            return;
        }
        if declared.starts_with("Edm.") {
            if let Err(e) = edm::check(declared, v) {
                self.problem(path, e);
            }
        } else if let Some(e) = self.schema.enumeration(declared) {
            let Some(s) = v.as_str() else {
                self.problem(
                    path,
                    format!(
                        "the enum {declared} is a member's name (a string), not {}",
                        shape(v)
                    ),
                );
                return;
            };
            let names: Vec<&str> = if e.flags {
                s.split(',').map(str::trim).collect()
            } else {
                vec![s]
            };
            for name in names {
                if !e.members.iter().any(|m| m == name) {
                    self.problem(
                        path,
                        format!(
                            "'{name}' is not a member of {declared} ({})",
                            e.members.join(", ")
                        ),
                    );
                }
            }
        } else if self.schema.structured(declared).is_some() {
            match v.as_object() {
                Some(object) => self.object(path, declared, object),
                None => self.problem(
                    path,
                    format!("{declared} is a JSON object, not {}", shape(v)),
                ),
            }
        } else {
            self.problem(
                path,
                format!(
                    "{declared} is not in tests/schema/graph-v1.0.json: add it (or a type reaching it) to the \
                     roots of examples/derive_graph_schema.rs and regenerate"
                ),
            );
        }
    }

    fn object(&mut self, path: &str, declared: &str, object: &Map<String, Value>) {
        let actual = match object.get("@odata.type") {
            None => declared.to_string(),
            Some(Value::String(t)) => {
                let name = t.trim_start_matches('#');
                if self.schema.structured(name).is_none() {
                    self.problem(
                        path,
                        format!("@odata.type '{t}' is not a type of the schema (or not in graph-v1.0.json)"),
                    );
                    return;
                }
                if !self.schema.derives_from(name, declared) {
                    self.problem(
                        path,
                        format!("@odata.type '{t}' does not derive from the declared {declared}"),
                    );
                    return;
                }
                name.to_string()
            }
            Some(other) => {
                self.problem(
                    path,
                    format!("@odata.type is a string, not {}", shape(other)),
                );
                return;
            }
        };
        let abstract_type = self
            .schema
            .structured(&actual)
            .is_some_and(|s| s.is_abstract);
        if abstract_type {
            self.problem(
                path,
                format!("{actual} is abstract: the value names its concrete type in @odata.type"),
            );
        }
        let open_accepted = OPEN_ACCEPTED
            .iter()
            .any(|t| self.schema.derives_from(&actual, t));
        let open = self
            .schema
            .lineage(&actual)
            .iter()
            .any(|t| self.schema.structured(t).is_some_and(|s| s.open));
        for (key, v) in object {
            let at = format!("{path}.{key}");
            if key.starts_with('@') {
                self.annotation(&at, key, v);
                continue;
            }
            if let Some((property, term)) = key.split_once('@') {
                // A property annotation: `attachments@odata.context`.
                if !is_annotation(&format!("@{term}")) {
                    self.problem(
                        &at,
                        format!("'@{term}' is not an OData or Graph annotation"),
                    );
                } else if self.schema.member(&actual, property).is_none() && !open_accepted {
                    self.problem(
                        &at,
                        format!("annotates '{property}', which {actual} does not declare"),
                    );
                }
                continue;
            }
            match self.schema.member(&actual, key) {
                Some(Member::Property(p)) => {
                    let (t, n) = (p.type_name.clone(), p.nullable);
                    self.value(&at, &t, n, v);
                }
                Some(Member::Navigation(n)) => {
                    // An expanded navigation property: the target entities, checked alike.
                    let t = n.type_name.clone();
                    self.value(&at, &t, true, v);
                }
                None if open_accepted => {}
                None if self.undeclared(&actual, key).is_some() => {
                    let t = self.undeclared(&actual, key).unwrap_or_default();
                    self.value(&at, t, true, v);
                }
                None => {
                    let lineage = self.schema.lineage(&actual).join(" → ");
                    let note = if open {
                        " (the type is open, but the sandbox sends only declared properties unless Graph is \
                         known to send this one: see UNDECLARED)"
                    } else {
                        ""
                    };
                    self.problem(&at, format!("not declared on {lineage}{note}"));
                }
            }
        }
    }

    /// The declared type of `property` when it is one of [`UNDECLARED`] on `type_name` (an open type).
    fn undeclared(&self, type_name: &str, property: &str) -> Option<&'static str> {
        let open = self
            .schema
            .lineage(type_name)
            .iter()
            .any(|t| self.schema.structured(t).is_some_and(|s| s.open));
        UNDECLARED
            .iter()
            .find(|(t, p, _, _)| *p == property && open && self.schema.derives_from(type_name, t))
            .map(|(_, _, value, _)| *value)
    }

    fn annotation(&mut self, at: &str, key: &str, v: &Value) {
        if !is_annotation(key) {
            self.problem(
                at,
                "an instance annotation is @odata.*, @microsoft.graph.* or @removed".into(),
            );
        } else if key == "@removed" {
            let reason = v.get("reason").and_then(Value::as_str);
            if !matches!(reason, Some("changed" | "deleted")) {
                self.problem(
                    at,
                    format!("@removed is {{\"reason\": \"changed\" | \"deleted\"}}, not {v}"),
                );
            }
        } else if matches!(
            key,
            "@odata.context"
                | "@odata.etag"
                | "@odata.id"
                | "@odata.nextLink"
                | "@odata.deltaLink"
                | "@odata.editLink"
                | "@odata.readLink"
                | "@odata.mediaReadLink"
                | "@microsoft.graph.downloadUrl"
        ) && !v.is_string()
        {
            self.problem(at, format!("{key} is a string, not {}", shape(v)));
        }
    }
}

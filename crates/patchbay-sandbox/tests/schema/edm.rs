//! JSON values of OData's primitive types (`Edm.*`), as the OData JSON format writes them: strings for dates,
//! times, durations, GUIDs and binary (base64), numbers for the numeric types, `true`/`false` for booleans.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::Value;

/// `Ok` when `v` (not null) is a value of the primitive type `edm`; else what is wrong, in words.
pub fn check(edm: &str, v: &Value) -> Result<(), String> {
    let text = || {
        v.as_str()
            .ok_or_else(|| format!("{edm} is a JSON string, not {}", shape(v)))
    };
    match edm {
        "Edm.String" => text().map(|_| ()),
        "Edm.Boolean" => v
            .is_boolean()
            .then_some(())
            .ok_or_else(|| format!("Edm.Boolean is true or false, not {}", shape(v))),
        "Edm.Byte" => integer(edm, v, 0, 255),
        "Edm.SByte" => integer(edm, v, -128, 127),
        "Edm.Int16" => integer(edm, v, i16::MIN.into(), i16::MAX.into()),
        "Edm.Int32" => integer(edm, v, i32::MIN.into(), i32::MAX.into()),
        "Edm.Int64" => integer(edm, v, i64::MIN, i64::MAX),
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => {
            let special =
                edm != "Edm.Decimal" && matches!(v.as_str(), Some("NaN" | "INF" | "-INF"));
            (v.is_number() || special)
                .then_some(())
                .ok_or_else(|| format!("{edm} is a JSON number, not {}", shape(v)))
        }
        "Edm.DateTimeOffset" => {
            let s = text()?;
            s.parse::<jiff::Timestamp>().map(|_| ()).map_err(|e| {
                format!("Edm.DateTimeOffset is RFC 3339 with an offset or Z; '{s}' is not ({e})")
            })
        }
        "Edm.Date" => {
            let s = text()?;
            (s.len() == 10 && s.parse::<jiff::civil::Date>().is_ok())
                .then_some(())
                .ok_or_else(|| format!("Edm.Date is YYYY-MM-DD; '{s}' is not"))
        }
        "Edm.TimeOfDay" => {
            let s = text()?;
            (s.len() >= 8 && s.parse::<jiff::civil::Time>().is_ok())
                .then_some(())
                .ok_or_else(|| format!("Edm.TimeOfDay is hh:mm:ss[.fffffff]; '{s}' is not"))
        }
        "Edm.Duration" => {
            let s = text()?;
            (s.trim_start_matches('-').starts_with('P') && s.parse::<jiff::Span>().is_ok())
                .then_some(())
                .ok_or_else(|| {
                    format!("Edm.Duration is an ISO 8601 duration (PnDTnHnMnS); '{s}' is not")
                })
        }
        "Edm.Guid" => {
            let s = text()?;
            (s.len() == 36 && uuid::Uuid::parse_str(s).is_ok())
                .then_some(())
                .ok_or_else(|| format!("Edm.Guid is 8-4-4-4-12 hexadecimal digits; '{s}' is not"))
        }
        "Edm.Binary" => {
            let s = text()?;
            [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
                .iter()
                .any(|engine| engine.decode(s).is_ok())
                .then_some(())
                .ok_or_else(|| format!("Edm.Binary is base64; '{s}' is not"))
        }
        "Edm.Stream" => Err(
            "an Edm.Stream property is not sent inline (its content is read from its own URL)"
                .into(),
        ),
        other => Err(format!(
            "the checker does not know the primitive type {other}"
        )),
    }
}

fn integer(edm: &str, v: &Value, min: i64, max: i64) -> Result<(), String> {
    match v.as_i64() {
        Some(n) if n >= min && n <= max => Ok(()),
        Some(n) => Err(format!("{edm} holds {min}..={max}; {n} is outside")),
        None => Err(format!("{edm} is a JSON integer, not {}", shape(v))),
    }
}

/// A JSON value's kind, for messages: `the string "x"`, `a number (3.5)`.
pub fn shape(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("the string \"{}\"", s.chars().take(60).collect::<String>()),
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

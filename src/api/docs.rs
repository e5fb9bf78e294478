//! `/api/v1/docs`: the API's reference, read from the same OpenAPI document
//! the API serves (`openapi.rs`) and rendered on the server as a page of
//! the portal: every operation with its parameters, body and answers, and
//! every schema. No script, no CDN, within the portal's strict CSP.

use actix_web::HttpResponse;
use askama::Template;
use serde_json::Value;
use utoipa::OpenApi;

use super::openapi::ApiDoc;
use crate::{
    auth::Viewer,
    error::AppError,
    web::{Layout, html},
};

/// One operation of the API.
pub struct Operation {
    pub method: String,
    pub path: String,
    /// An anchor for it, e.g. `post-api-v1-keys`.
    pub anchor: String,
    pub summary: String,
    pub description: String,
    /// (name, where, required, description)
    pub parameters: Vec<(String, String, bool, String)>,
    /// The request body's schema, when it has one.
    pub body: Option<String>,
    /// (status, description, schema)
    pub responses: Vec<(String, String, Option<String>)>,
}

/// A schema: its fields (name, type, description).
pub struct SchemaView {
    pub name: String,
    pub description: String,
    pub fields: Vec<(String, String, String)>,
    /// For an enumeration: its values.
    pub values: Vec<String>,
}

#[derive(Template)]
#[template(path = "api/docs.html")]
struct DocsPage {
    l: Layout,
    title: String,
    description: String,
    /// Operations by tag, in the document's order.
    sections: Vec<(String, Vec<Operation>)>,
    schemas: Vec<SchemaView>,
}

impl DocsPage {
    /// A description as the document writes it, for HTML (show it with
    /// `|safe`): escaped, with `code` in backticks set as code.
    fn rich(&self, text: &str) -> String {
        rich(text)
    }
}

/// Escapes `text` for HTML and sets each `…` span in it as `<code>`.
fn rich(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    for (n, piece) in text.split('`').enumerate() {
        let escaped = piece
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        // Odd pieces are between backticks (an unpaired last one stays text).
        if n % 2 == 1 && n < text.matches('`').count() {
            html.push_str("<code>");
            html.push_str(&escaped);
            html.push_str("</code>");
        } else {
            if n % 2 == 1 {
                html.push('`');
            }
            html.push_str(&escaped);
        }
    }
    html
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// `#/components/schemas/KeyMeta` → `KeyMeta`; an inline schema by its type.
fn schema_name(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).to_string();
    }
    if let Some(items) = schema.get("items") {
        return format!("[{}]", schema_name(items));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(options)) = schema.get(key) {
            let names: Vec<String> = options.iter().map(schema_name).collect();
            return names.join(" | ");
        }
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        let values: Vec<String> = values
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect();
        return values.join(" | ");
    }
    match schema.get("type") {
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        Some(Value::String(kind)) => kind.clone(),
        _ => "object".to_string(),
    }
}

fn json_schema(content: Option<&Value>) -> Option<String> {
    content?.get("application/json")?.get("schema").map(schema_name)
}

/// The reference's model, from the OpenAPI document.
fn model(document: &Value) -> (Vec<(String, Vec<Operation>)>, Vec<SchemaView>) {
    let mut sections: Vec<(String, Vec<Operation>)> = Vec::new();
    if let Some(Value::Object(paths)) = document.get("paths") {
        for (path, item) in paths {
            let Value::Object(methods) = item else { continue };
            for (method, operation) in methods {
                let tag = operation
                    .get("tags")
                    .and_then(|t| t.get(0))
                    .and_then(Value::as_str)
                    .unwrap_or("api")
                    .to_string();
                let parameters = match operation.get("parameters") {
                    Some(Value::Array(list)) => list
                        .iter()
                        .map(|p| {
                            (
                                text(p, "name"),
                                text(p, "in"),
                                p.get("required").and_then(Value::as_bool).unwrap_or(false),
                                text(p, "description"),
                            )
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let responses = match operation.get("responses") {
                    Some(Value::Object(map)) => map
                        .iter()
                        .map(|(status, r)| (status.clone(), text(r, "description"), json_schema(r.get("content"))))
                        .collect(),
                    _ => Vec::new(),
                };
                let operation = Operation {
                    method: method.to_uppercase(),
                    anchor: format!("{method}{}", path.replace(['/', '{', '}'], "-")),
                    path: path.clone(),
                    summary: text(operation, "summary"),
                    description: text(operation, "description"),
                    parameters,
                    body: json_schema(operation.get("requestBody").and_then(|b| b.get("content"))),
                    responses,
                };
                match sections.iter_mut().find(|(name, _)| *name == tag) {
                    Some((_, list)) => list.push(operation),
                    None => sections.push((tag, vec![operation])),
                }
            }
        }
    }
    let mut schemas = Vec::new();
    if let Some(Value::Object(map)) = document.pointer("/components/schemas") {
        for (name, schema) in map {
            let required: Vec<&str> = match schema.get("required") {
                Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let fields = match schema.get("properties") {
                Some(Value::Object(properties)) => properties
                    .iter()
                    .map(|(field, property)| {
                        let kind = schema_name(property);
                        let kind = if required.contains(&field.as_str()) {
                            kind
                        } else {
                            format!("{kind}, optional")
                        };
                        (field.clone(), kind, text(property, "description"))
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let values = match schema.get("enum") {
                Some(Value::Array(values)) => values.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                _ => Vec::new(),
            };
            schemas.push(SchemaView {
                name: name.clone(),
                description: text(schema, "description"),
                fields,
                values,
            });
        }
    }
    (sections, schemas)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backticks_become_code_and_everything_else_is_escaped() {
        assert_eq!(
            super::rich("`scope_denied`: a <key> & `a|b`"),
            "<code>scope_denied</code>: a &lt;key&gt; &amp; <code>a|b</code>"
        );
        assert_eq!(super::rich("no code"), "no code");
        assert_eq!(super::rich("one ` alone"), "one ` alone");
    }
}

/// The reference page.
pub async fn page(viewer: Viewer) -> Result<HttpResponse, AppError> {
    let document = serde_json::to_value(ApiDoc::openapi()).map_err(|e| AppError::Internal(e.into()))?;
    let (sections, schemas) = model(&document);
    html(&DocsPage {
        l: viewer.layout(),
        title: document
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        description: document
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        sections,
        schemas,
    })
}

//! Static files, embedded in the binary and served under a content-hashed
//! URL (`/static/<hash>/<name>`) with a year-long, immutable cache lifetime.

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};

use crate::{error::AppError, web::router::Routes};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    hash: String,
}

fn asset(name: &'static str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let hash = hex::encode(&crate::token::digest_bytes(body)[..6]);
    Asset {
        name,
        content_type,
        body,
        hash,
    }
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    vec![
        asset(
            "pico.min.css",
            "text/css; charset=utf-8",
            include_bytes!("../../static/pico.min.css"),
        ),
        asset(
            "app.css",
            "text/css; charset=utf-8",
            include_bytes!("../../static/app.css"),
        ),
        asset(
            "htmx.min.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../static/htmx.min.js"),
        ),
        asset("icons.svg", "image/svg+xml", include_bytes!("../../static/icons.svg")),
        asset(
            "app.js",
            "text/javascript; charset=utf-8",
            include_bytes!("../../static/app.js"),
        ),
    ]
});

/// The URL of the static file `name`, for templates.
pub fn url(name: &str) -> String {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}/{}", a.hash, a.name),
        None => format!("/static/missing/{name}"),
    }
}

async fn serve(path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (hash, name) = path.into_inner();
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name && a.hash == hash)
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header(("Cache-Control", "public, max-age=31536000, immutable"))
        .body(asset.body))
}

pub fn configure(r: &mut Routes) {
    r.get("/static/{hash}/{name}", serve);
}

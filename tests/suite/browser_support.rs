//! Real Chromium, driven through chromedriver (WebDriver), against a real
//! server. Nothing here sleeps: every wait is for an element or a condition.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::{Value, json};

/// Browsers are heavy: one at a time on a 2-core machine.
pub static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    pub client: Client,
    pub base: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; `javascript: false`
    /// starts it with JavaScript blocked by preference.
    pub async fn start(base: &str, javascript: bool, width: u32, height: u32) -> Browser {
        Self::start_themed(base, javascript, width, height, false).await
    }

    /// The same, in the dark colour scheme when `dark` (the page's
    /// `prefers-color-scheme: dark`).
    pub async fn start_themed(base: &str, javascript: bool, width: u32, height: u32, dark: bool) -> Browser {
        for binary in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                std::path::Path::new(binary).exists(),
                "{binary} is missing: run scripts/test, which installs Debian's chromium and chromium-driver"
            );
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--lang=en-US".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        if dark {
            args.push("--force-dark-mode".into());
        }
        let mut prefs = json!({ "intl.accept_languages": "en-US,en" });
        if !javascript {
            prefs["profile.managed_default_content_settings.javascript"] = json!(2);
        }
        let capabilities = json!({
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args, "prefs": prefs }
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(err) if Instant::now() < deadline => {
                    let _ = err;
                    tokio::task::yield_now().await;
                    std::thread::park_timeout(Duration::from_millis(50));
                }
                Err(err) => panic!("chromedriver did not come up: {err}"),
            }
        };
        client.set_window_size(width, height).await.unwrap();
        Browser {
            client,
            base: base.to_string(),
            driver,
            _profile: profile,
        }
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    /// The element, once it is there.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Waits until the page's text contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // Mid-navigation there may be no body yet: look again.
            let body = match self.client.find(Locator::Css("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if body.contains(needle) {
                return;
            }
            assert!(Instant::now() < deadline, "{needle:?} never appeared in:\n{body}");
            self.tick().await;
        }
    }

    /// Waits until the JavaScript condition holds.
    pub async fn wait_until(&self, condition: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let value = self.client.execute(&format!("return !!({condition});"), vec![]).await;
            if matches!(value, Ok(Value::Bool(true))) {
                return;
            }
            assert!(Instant::now() < deadline, "condition never held: {condition}");
            self.tick().await;
        }
    }

    async fn tick(&self) {
        // A round trip to the browser, not a timer: lets the page make progress.
        let _ = self.client.execute("return document.readyState", vec![]).await;
    }

    pub async fn text(&self) -> String {
        self.client
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    pub async fn sign_in(&self, username: &str, password: &str) {
        self.goto("/sign-in").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click("form[action='/sign-in'] button[type=submit]").await;
        self.find("summary[aria-label]").await;
    }

    /// Saves a PNG under `target/screenshots/`.
    pub async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Fails unless every element matching `text` has a contrast of at least
    /// 4.5:1 against the background of `surface` (for what axe cannot judge,
    /// such as text over an absolutely placed menu).
    pub async fn assert_legible(&self, text: &str, surface: &str) {
        let script = format!(
            "const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
             const lum = c => {{ const [r, g, b] = rgb(c).map(v => {{ v /= 255;
                 return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }});
                 return 0.2126 * r + 0.7152 * g + 0.0722 * b; }};
             const bg = lum(getComputedStyle(document.querySelector({surface:?})).backgroundColor);
             return [...document.querySelectorAll({text:?})].map(e => {{
                 const fg = lum(getComputedStyle(e).color);
                 const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
                 return [e.textContent.trim(), ratio];
             }});"
        );
        let found = self.client.execute(&script, vec![]).await.unwrap();
        let found = found.as_array().cloned().unwrap_or_default();
        assert!(!found.is_empty(), "nothing matches {text}");
        for pair in found {
            let ratio = pair[1].as_f64().unwrap_or(0.0);
            assert!(
                ratio >= 4.5,
                "{:?} has a contrast of {ratio:.2}:1 on {surface}",
                pair[0]
            );
        }
    }

    /// Fails when two cells of one table row (or card, on a phone) cover
    /// each other.
    pub async fn assert_no_overlapping_cells(&self, what: &str) {
        let overlaps = self
            .client
            .execute(
                "const found = [];
                 for (const row of document.querySelectorAll('tr')) {
                   const cells = [...row.children].map(c => [c, c.getBoundingClientRect()])
                     .filter(([, r]) => r.width > 0 && r.height > 0);
                   for (let i = 0; i < cells.length; i++) for (let j = i + 1; j < cells.length; j++) {
                     const [a, ra] = cells[i], [b, rb] = cells[j];
                     const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
                     const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
                     if (w > 1 && h > 1) found.push(a.textContent.trim().slice(0, 30) + ' / ' + b.textContent.trim().slice(0, 30));
                   }
                 }
                 return found.slice(0, 5);",
                vec![],
            )
            .await
            .unwrap();
        let overlaps = overlaps.as_array().cloned().unwrap_or_default();
        assert!(overlaps.is_empty(), "{what}: cells overlap: {overlaps:?}");
    }

    /// Fails if a table cell cuts its text off (an ellipsis or hidden
    /// overflow hiding part of a value), naming the first few.
    pub async fn assert_no_clipped_cells(&self, what: &str) {
        let clipped = self
            .client
            .execute(
                "const found = [];
                 for (const cell of document.querySelectorAll('td, th')) {
                   for (const e of [cell, ...cell.querySelectorAll('*')]) {
                     const style = getComputedStyle(e);
                     // Text hidden on purpose for screen readers (1 px wide) aside.
                     if (style.overflowX !== 'visible' && e.clientWidth > 1 && e.scrollWidth > e.clientWidth + 1) {
                       found.push(e.textContent.trim().slice(0, 40));
                       break;
                     }
                   }
                 }
                 return found.slice(0, 5);",
                vec![],
            )
            .await
            .unwrap();
        let clipped = clipped.as_array().cloned().unwrap_or_default();
        assert!(clipped.is_empty(), "{what}: cells cut their text off: {clipped:?}");
    }

    /// Fails if the page is wider than the window (a sideways scroll of the
    /// whole page), naming the elements that reach past its right edge.
    pub async fn assert_fits_the_window(&self, what: &str) {
        let overflow = self
            .client
            .execute(
                "const doc = document.documentElement;
                 if (doc.scrollWidth <= doc.clientWidth) return [];
                 const found = [];
                 for (const e of document.body.querySelectorAll('*')) {
                   const r = e.getBoundingClientRect();
                   if (r.width > 0 && r.right > doc.clientWidth + 1 && !e.closest('dialog:not([open])')) {
                     found.push(e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
                       + ' right=' + Math.round(r.right));
                   }
                 }
                 return [doc.scrollWidth + ' > ' + doc.clientWidth, ...found.slice(0, 8)];",
                vec![],
            )
            .await
            .unwrap();
        let overflow = overflow.as_array().cloned().unwrap_or_default();
        assert!(overflow.is_empty(), "{what}: wider than the window: {overflow:?}");
    }

    /// Fails if the page's running text (not code, not what is hidden)
    /// shows a raw code: a kind of change as recorded (`key.extend`), a
    /// service's code (`vcs`), an ISO timestamp, a literal backtick or a
    /// command-line flag.
    pub async fn assert_reads_as_words(&self, what: &str) {
        let kinds: Vec<&str> = member_center::activity::ChangeKind::ALL
            .iter()
            .map(|k| k.code())
            .collect();
        let found = self
            .client
            .execute(
                "const kinds = arguments[0];
                 const patterns = [/`/, /(^|\\s)--[a-z][a-z0-9-]{2,}/, /\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}/,
                                   /\\b(ccs|vcs|hpc|cos|registry)\\b/];
                 const skip = 'code, pre, kbd, samp, script, style, textarea, template, [hidden], dialog:not([open])';
                 const found = [];
                 const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                 while (walker.nextNode()) {
                   const node = walker.currentNode;
                   const parent = node.parentElement;
                   const text = node.textContent;
                   if (!parent || !text.trim() || parent.closest(skip)) continue;
                   const hit = kinds.find(k => text.includes(k)) || patterns.find(p => p.test(text));
                   if (hit) found.push(text.trim().slice(0, 80));
                 }
                 return found.slice(0, 8);",
                vec![serde_json::json!(kinds)],
            )
            .await
            .unwrap();
        let found = found.as_array().cloned().unwrap_or_default();
        assert!(found.is_empty(), "{what}: raw codes in the text: {found:?}");
    }

    /// Fails if a label, button or select is too small for its text (the
    /// text cut off, or spilling out of its box).
    pub async fn assert_no_clipped_controls(&self, what: &str) {
        let found = self
            .client
            .execute(
                "const found = [];
                 for (const e of document.querySelectorAll('label, button, select, summary, a[role=button]')) {
                   if (e.offsetParent === null || e.closest('dialog:not([open]), .visually-hidden')) continue;
                   if (e.clientHeight > 0 && e.scrollHeight > e.clientHeight + 2) {
                     found.push(e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 40)
                       + ' (' + e.scrollHeight + ' > ' + e.clientHeight + ')');
                   }
                 }
                 return found.slice(0, 8);",
                vec![],
            )
            .await
            .unwrap();
        let found = found.as_array().cloned().unwrap_or_default();
        assert!(found.is_empty(), "{what}: controls cut their text off: {found:?}");
    }

    /// Runs axe-core on the page and fails on any serious or critical violation,
    /// on table cells that cover each other, on a page wider than the window,
    /// on raw codes in its text and on controls too small for their text.
    pub async fn assert_accessible(&self, what: &str) {
        self.assert_no_overlapping_cells(what).await;
        self.assert_fits_the_window(what).await;
        self.assert_reads_as_words(what).await;
        self.assert_no_clipped_controls(what).await;
        let axe = axe_source();
        self.client
            .execute(&format!("{axe}\n;return true;"), vec![])
            .await
            .unwrap();
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                        .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) }))))
                    .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
                vec![],
            )
            .await
            .unwrap();
        let violations = result.as_array().cloned().unwrap_or_default();
        assert!(
            violations.is_empty(),
            "{what}: accessibility violations:\n{}",
            serde_json::to_string_pretty(&violations).unwrap()
        );
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn axe_source() -> String {
    let path = std::env::var("AXE_CORE_JS").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-deps/node_modules/axe-core/axe.min.js")
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core not found at {} ({e}): run scripts/test, which installs it",
            path.display()
        )
    })
}

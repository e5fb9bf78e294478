//! English and Traditional Chinese, through Fluent (`locales/<lang>/main.ftl`).

use std::{
    borrow::Cow,
    collections::HashMap,
    sync::{LazyLock, RwLock},
};

use fluent_templates::{LanguageIdentifier, Loader, fluent_bundle::FluentValue};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they show as boxes in
        // some fonts and break copy-and-paste of key IDs and dates.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN: LazyLock<LanguageIdentifier> = LazyLock::new(|| "en".parse().expect("valid tag"));
static ZH_TW: LazyLock<LanguageIdentifier> = LazyLock::new(|| "zh-TW".parse().expect("valid tag"));

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    ZhTw,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhTw];

    /// The BCP 47 tag, as stored on the account and sent in `lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhTw => "zh-TW",
        }
    }

    /// The language's own name for itself, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhTw => "繁體中文",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "zh-TW" => Some(Lang::ZhTw),
            _ => None,
        }
    }

    /// The best of our languages for an `Accept-Language` header: the first
    /// (by q-value, then order) that is English or a Chinese written in
    /// Traditional characters; English when nothing matches.
    pub fn negotiate(header: &str) -> Lang {
        let mut ranges: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(index, part)| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (!tag.is_empty() && q > 0.0).then_some((q, index, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, _, tag) in ranges {
            let tag = tag.to_ascii_lowercase();
            if tag == "en" || tag.starts_with("en-") {
                return Lang::En;
            }
            if tag == "zh" || tag.starts_with("zh-tw") || tag.starts_with("zh-hant") || tag.starts_with("zh-hk") {
                return Lang::ZhTw;
            }
        }
        Lang::En
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::ZhTw => &ZH_TW,
        }
    }

    /// The message `key` in this language. Messages without arguments
    /// never change, so each is formatted once and kept for the life of
    /// the process (keys are the program's own, so there are only so many).
    pub fn t(self, key: &'static str) -> &'static str {
        static FORMATTED: LazyLock<[RwLock<foldhash::HashMap<&'static str, &'static str>>; 2]> =
            LazyLock::new(Default::default);
        let cache = &FORMATTED[self as usize];
        if let Ok(cache) = cache.read()
            && let Some(text) = cache.get(key)
        {
            return text;
        }
        let text: &'static str = LOCALES.lookup(self.id(), key).leak();
        if let Ok(mut cache) = cache.write() {
            cache.insert(key, text);
        }
        text
    }

    /// The message `key` with named arguments. Pages repeat the same few
    /// (a unit with a count, say) hundreds of times, and Fluent's
    /// formatting is costly, so recent results are remembered.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        const REMEMBERED: usize = 10_000;
        static FORMATTED: LazyLock<RwLock<foldhash::HashMap<Vec<u8>, String>>> = LazyLock::new(Default::default);
        // Each part with its length first, so that no two calls share a key
        // (bytes, not formatted text: a table row asks for several).
        let mut memo_key = Vec::with_capacity(64);
        memo_key.push(self as u8);
        for part in std::iter::once(key).chain(args.iter().flat_map(|(name, value)| [*name, value.as_str()])) {
            memo_key.extend_from_slice(&(part.len() as u64).to_le_bytes());
            memo_key.extend_from_slice(part.as_bytes());
        }
        if let Ok(cache) = FORMATTED.read()
            && let Some(text) = cache.get(&memo_key)
        {
            return text.clone();
        }
        let fluent_args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(name, value)| {
                // Whole numbers go in as numbers, so plural forms can select on them.
                let value = match value.parse::<i64>() {
                    Ok(number) => FluentValue::from(number),
                    Err(_) => FluentValue::from(value.clone()),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        let text = LOCALES.lookup_with_args(self.id(), key, &fluent_args);
        if let Ok(mut cache) = FORMATTED.write() {
            if cache.len() >= REMEMBERED {
                cache.clear();
            }
            cache.insert(memo_key, text.clone());
        }
        text
    }
}

/// A message to be translated once the viewer's language is known: what
/// errors and validations carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub fn new(key: &'static str) -> Self {
        Msg { key, args: Vec::new() }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn in_lang(&self, lang: Lang) -> String {
        if self.args.is_empty() {
            lang.t(self.key).to_string()
        } else {
            lang.t_args(self.key, &self.args)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_highest_quality_supported_language() {
        assert_eq!(Lang::negotiate("zh-TW,zh;q=0.9,en;q=0.8"), Lang::ZhTw);
        assert_eq!(Lang::negotiate("fr, en;q=0.5, zh-TW;q=0.7"), Lang::ZhTw);
        assert_eq!(Lang::negotiate("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::negotiate("de"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::negotiate("zh-Hant-TW"), Lang::ZhTw);
    }

    #[test]
    fn both_languages_translate_and_fill_arguments() {
        assert_eq!(Lang::En.t("nav-sign-out"), "Sign out");
        assert_eq!(Lang::ZhTw.t("nav-sign-out"), "登出");
        let msg = Msg::new("signin-throttled").arg("seconds", 15);
        assert!(msg.in_lang(Lang::En).contains("15"));
        assert!(msg.in_lang(Lang::ZhTw).contains("15"));
    }

    #[test]
    fn remembered_messages_keep_their_arguments_apart() {
        let fifteen = Msg::new("signin-throttled").arg("seconds", 15);
        let sixteen = Msg::new("signin-throttled").arg("seconds", 16);
        assert_eq!(fifteen.in_lang(Lang::En), fifteen.in_lang(Lang::En));
        assert!(sixteen.in_lang(Lang::En).contains("16"));
        assert!(!sixteen.in_lang(Lang::En).contains("15"));
        assert_ne!(fifteen.in_lang(Lang::En), fifteen.in_lang(Lang::ZhTw));
    }
}

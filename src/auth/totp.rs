//! Time-based one-time passwords (RFC 6238, with `totp-rs`): secrets, the
//! `otpauth://` address and its QR code (SVG, drawn here: no image leaves
//! the server), checking a code, and recovery codes. No database here.

use totp_rs::{Algorithm, Secret, Totp};

/// The issuer authenticator apps show beside the account.
const ISSUER: &str = "Member Center";
/// How many recovery codes an enrolment gets.
pub const RECOVERY_CODES: usize = 10;

/// A new random secret, in base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the system's random source");
    Secret::from(bytes.to_vec()).to_base32()
}

fn totp(secret: &str, username: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_account_name(username)
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The address an authenticator app reads from the QR code.
pub fn otpauth_url(secret: &str, username: &str) -> Option<String> {
    totp(secret, username)?.to_url().ok()
}

/// The QR code of `text` as an SVG element (shown inline; dark on light).
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // The element alone, without the XML declaration before it.
    svg.find("<svg").map(|start| svg[start..].to_string())
}

/// The time step a six-digit `code` is valid for at `now` (the step
/// before and after count too, for clocks that drift), if it is.
pub fn check(secret: &str, code: &str, now: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now).ok()?;
    let step = totp(secret, "")?.check(&code, now)?;
    i64::try_from(step).ok()
}

/// The code for `now` (for tests and the enrolment's own check).
pub fn code_at(secret: &str, now: i64) -> Option<String> {
    Some(totp(secret, "")?.generate(u64::try_from(now).ok()?).to_string())
}

/// Fresh recovery codes, `xxxx-xxxx-xxxx` of hexadecimal digits (48 random bits).
pub fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let hex = crate::token::random_hex(6);
            format!("{}-{}-{}", &hex[0..4], &hex[4..8], &hex[8..12])
        })
        .collect()
}

/// A recovery code as typed, normalised (case and spaces do not matter).
pub fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_good_for_its_step_and_its_neighbours_only() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(check(&secret, &code, now), Some(now / 30));
        assert_eq!(check(&secret, &code, now + 30), Some(now / 30));
        assert_eq!(check(&secret, &code, now + 120), None);
        assert_eq!(check(&secret, "12345", now), None);
        assert_eq!(check(&secret, "abcdef", now), None);
        assert!(otpauth_url(&secret, "alice").unwrap().starts_with("otpauth://totp/"));
        assert!(qr_svg("otpauth://totp/x").unwrap().contains("<svg"));
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        assert_eq!(normalise_recovery(" ABCD-efgh-1234 "), "abcd-efgh-1234");
    }
}

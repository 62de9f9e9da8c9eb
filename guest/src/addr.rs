//! IP address text: the parsers and printers behind `inet_aton`, `inet_pton`, `inet_ntop` and the
//! address tuples, each with the exact rules of glibc that CPython exposes.
#![forbid(unsafe_code)]

use crate::host::IpAddress;
use std::net::{Ipv4Addr, Ipv6Addr};

/// glibc inet_aton(3): one to four parts in decimal, octal (leading 0) or hex (0x); the last part
/// fills the remaining bytes, so `127.1` is 127.0.0.1. Text after a space is ignored, as in glibc.
pub fn inet_aton(text: &str) -> Option<[u8; 4]> {
    let text = match text.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => &text[..i],
        None => text,
    };
    if text.is_empty() {
        return None;
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(4);
    for part in &parts {
        values.push(parse_c_number(part)?);
    }
    let (last, leading) = values.split_last()?;
    let mut out = [0u8; 4];
    for (i, v) in leading.iter().enumerate() {
        if *v > 255 {
            return None;
        }
        out[i] = *v as u8;
    }
    let room = 4 - leading.len();
    if room < 4 && *last >= 1u64 << (8 * room) {
        return None;
    }
    if *last > u32::MAX as u64 {
        return None;
    }
    let bytes = (*last as u32).to_be_bytes();
    out[leading.len()..].copy_from_slice(&bytes[4 - room..]);
    Some(out)
}

/// A C integer literal as strtoul(…, 0) reads it, for inet_aton's parts.
fn parse_c_number(part: &str) -> Option<u64> {
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        // "0x" alone is 0 to glibc; an empty part is an error.
        return if radix == 16 { Some(0) } else { None };
    }
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok().filter(|v| *v <= u32::MAX as u64)
}

/// glibc inet_pton(AF_INET): exactly four decimal parts, 0-255, no leading zeros.
pub fn inet_pton4(text: &str) -> Option<[u8; 4]> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut out = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) || (p.len() > 1 && p.starts_with('0')) {
            return None;
        }
        out[i] = p.parse::<u16>().ok().filter(|v| *v <= 255)? as u8;
    }
    Some(out)
}

/// inet_pton(AF_INET6).
pub fn inet_pton6(text: &str) -> Option<[u8; 16]> {
    text.parse::<Ipv6Addr>().ok().map(|a| a.octets())
}

/// The text CPython shows for an address (inet_ntop's).
pub fn ip_to_string(ip: &IpAddress) -> String {
    match *ip {
        IpAddress::V4((a, b, c, d)) => Ipv4Addr::new(a, b, c, d).to_string(),
        IpAddress::V6((a, b, c, d, e, f, g, h)) => Ipv6Addr::new(a, b, c, d, e, f, g, h).to_string(),
    }
}

pub fn v4(o: [u8; 4]) -> IpAddress {
    IpAddress::V4((o[0], o[1], o[2], o[3]))
}

pub fn v6(o: [u8; 16]) -> IpAddress {
    let s = Ipv6Addr::from(o).segments();
    IpAddress::V6((s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aton_follows_glibc() {
        assert_eq!(inet_aton("127.0.0.1"), Some([127, 0, 0, 1]));
        assert_eq!(inet_aton("127.1"), Some([127, 0, 0, 1]));
        assert_eq!(inet_aton("0x7f000001"), Some([127, 0, 0, 1]));
        assert_eq!(inet_aton("2130706433"), Some([127, 0, 0, 1]));
        assert_eq!(inet_aton("010.0.0.1"), Some([8, 0, 0, 1]));
        assert_eq!(inet_aton("1.2.3.4 junk"), Some([1, 2, 3, 4]));
        assert_eq!(inet_aton("256.0.0.1"), None);
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton(""), None);
        assert_eq!(inet_aton("abc"), None);
        assert_eq!(inet_aton("1.2.65536"), None);
    }

    #[test]
    fn pton_is_strict() {
        assert_eq!(inet_pton4("10.1.2.3"), Some([10, 1, 2, 3]));
        assert_eq!(inet_pton4("1.2.3"), None);
        assert_eq!(inet_pton4("01.2.3.4"), None);
        assert_eq!(inet_pton4("256.0.0.0"), None);
        assert!(inet_pton6("::ffff:192.0.2.1").is_some());
        assert!(inet_pton6("1::2::3").is_none());
        assert!(inet_pton6("12345::").is_none());
    }
}

//! `SSLContext.set_ciphers` and `get_ciphers`: OpenSSL's cipher-list language over the suites the
//! host's rustls implements.
//!
//! A cipher string is a list of words separated by `:`, `,`, `;` or spaces. A word selects suites by
//! name or alias (`ECDHE`, `AESGCM`, `aRSA`, `HIGH`...), several joined by `+` select the suites all
//! of them match, and a prefix says what to do with them: none appends them, `-` removes them, `!`
//! removes them for good, `+` moves them to the end. `@STRENGTH` sorts by key size. As in OpenSSL,
//! the string chooses TLS 1.2 suites only; TLS 1.3 suites always stay.
//!
//! OpenSSL knows many suites rustls does not implement (RSA key exchange, CBC modes, CAMELLIA...).
//! A word that selects only those is accepted, as OpenSSL accepts it, but adds nothing here; a
//! string that selects nothing at all fails with OpenSSL's "No cipher can be selected."
#![forbid(unsafe_code)]

/// One suite, with what `get_ciphers()` reports about it.
#[derive(Debug, PartialEq, Eq)]
pub struct Suite {
    pub id: u32,
    pub name: &'static str,
    pub tls13: bool,
    pub kx: &'static str,
    pub auth: &'static str,
    /// OpenSSL's `Enc=` text and the symmetric cipher's name.
    pub enc: &'static str,
    pub symmetric: &'static str,
    pub bits: u32,
}

const fn suite(id: u32, name: &'static str, auth: &'static str, enc: &'static str, symmetric: &'static str, bits: u32) -> Suite {
    let tls13 = auth.is_empty();
    Suite { id, name, tls13, kx: if tls13 { "any" } else { "ECDH" }, auth: if tls13 { "any" } else { auth }, enc, symmetric, bits }
}

/// rustls' suites in OpenSSL's own order: the TLS 1.3 ones as OpenSSL lists them, then TLS 1.2
/// in the order OpenSSL's `ALL` has them.
pub const SUITES: [Suite; 9] = [
    suite(0x0300_1302, "TLS_AES_256_GCM_SHA384", "", "AESGCM(256)", "aes-256-gcm", 256),
    suite(0x0300_1303, "TLS_CHACHA20_POLY1305_SHA256", "", "CHACHA20/POLY1305(256)", "chacha20-poly1305", 256),
    suite(0x0300_1301, "TLS_AES_128_GCM_SHA256", "", "AESGCM(128)", "aes-128-gcm", 128),
    suite(0x0300_C02C, "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDSA", "AESGCM(256)", "aes-256-gcm", 256),
    suite(0x0300_C030, "ECDHE-RSA-AES256-GCM-SHA384", "RSA", "AESGCM(256)", "aes-256-gcm", 256),
    suite(0x0300_CCA9, "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDSA", "CHACHA20/POLY1305(256)", "chacha20-poly1305", 256),
    suite(0x0300_CCA8, "ECDHE-RSA-CHACHA20-POLY1305", "RSA", "CHACHA20/POLY1305(256)", "chacha20-poly1305", 256),
    suite(0x0300_C02B, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDSA", "AESGCM(128)", "aes-128-gcm", 128),
    suite(0x0300_C02F, "ECDHE-RSA-AES128-GCM-SHA256", "RSA", "AESGCM(128)", "aes-128-gcm", 128),
];

/// CPython's default cipher string (Lib/ssl.py's `_DEFAULT_CIPHERS` in C).
pub const DEFAULT: &str = "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM";

impl Suite {
    /// Whether `alias` (one word, without prefix) names this suite.
    fn matches(&self, alias: &str) -> bool {
        let ecdsa = self.auth == "ECDSA";
        let aes = self.symmetric.starts_with("aes");
        match alias {
            "ALL" | "HIGH" | "DEFAULT" | "TLSv1.2" | "ECDH" | "ECDHE" | "EECDH" | "kECDHE" | "kEECDH" | "kECDH" => true,
            "aRSA" => !ecdsa,
            "aECDSA" | "ECDSA" => ecdsa,
            "AES" | "AESGCM" => aes,
            "AES128" => aes && self.bits == 128,
            "AES256" => aes && self.bits == 256,
            "CHACHA20" => !aes,
            name => name == self.name,
        }
    }

    /// `get_ciphers()`'s `description`, laid out as OpenSSL's SSL_CIPHER_description.
    pub fn description(&self) -> String {
        format!("{:<30} {} Kx={:<8} Au={:<5} Enc={:<22} Mac=AEAD", self.name, self.protocol(), self.kx, self.auth, self.enc)
    }

    pub fn protocol(&self) -> &'static str {
        if self.tls13 { "TLSv1.3" } else { "TLSv1.2" }
    }
}

/// OpenSSL aliases and algorithm words that select suites rustls lacks: a string made of these
/// is accepted, as OpenSSL accepts it, and adds nothing.
const ELSEWHERE: [&str; 40] = [
    "RSA", "kRSA", "DHE", "EDH", "kDHE", "kEDH", "DH", "kDH", "ADH", "AECDH", "aNULL", "eNULL", "NULL",
    "COMPLEMENTOFALL", "COMPLEMENTOFDEFAULT", "SHA", "SHA1", "SHA256", "SHA384", "CAMELLIA", "CAMELLIA128",
    "CAMELLIA256", "ARIA", "ARIA128", "ARIA256", "ARIAGCM", "AESCCM", "AESCCM8", "PSK", "kPSK", "kECDHEPSK",
    "kDHEPSK", "kRSAPSK", "aPSK", "SRP", "kSRP", "aDSS", "DSS", "TLSv1", "SSLv3",
];

/// Algorithm names inside OpenSSL cipher names (`AES128-SHA`, `DHE-RSA-CAMELLIA256-SHA`).
const CIPHER_WORDS: [&str; 8] = ["AES", "CAMELLIA", "ARIA", "CHACHA20", "NULL", "SEED", "PSK", "SRP"];

fn known_elsewhere(word: &str) -> bool {
    ELSEWHERE.contains(&word)
        || (word.contains('-')
            && !word.starts_with("TLS_")
            && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
            && CIPHER_WORDS.iter().any(|w| word.contains(w)))
}

/// The TLS 1.2 suites `cipherlist` selects, most preferred first, as indexes into [`SUITES`];
/// None when it selects nothing (OpenSSL's "No cipher can be selected.").
pub fn select(cipherlist: &str) -> Option<Vec<usize>> {
    let tls12: Vec<usize> = (0..SUITES.len()).filter(|&i| !SUITES[i].tls13).collect();
    let mut chosen: Vec<usize> = Vec::new();
    let mut banned: Vec<usize> = Vec::new();
    let mut selects_elsewhere = false;
    for word in cipherlist.split([':', ',', ';', ' ']).filter(|w| !w.is_empty()) {
        if word == "@STRENGTH" {
            chosen.sort_by_key(|&i| std::cmp::Reverse(SUITES[i].bits));
            continue;
        }
        if word.starts_with('@') {
            continue; // @SECLEVEL=n: rustls has no weak suites to exclude.
        }
        let (prefix, body) = match word.as_bytes()[0] {
            b'!' | b'-' | b'+' => (word.as_bytes()[0], &word[1..]),
            _ => (0, word),
        };
        let parts: Vec<&str> = body.split('+').collect();
        let hits: Vec<usize> = tls12.iter().copied().filter(|&i| parts.iter().all(|p| SUITES[i].matches(p))).collect();
        // In OpenSSL an alias selects suites rustls lacks as well (AES128 the CBC ones too); only a
        // suite's own name selects nothing more.
        let alias = |p: &&str| SUITES.iter().all(|s| s.name != *p) && (known_elsewhere(p) || tls12.iter().any(|&i| SUITES[i].matches(p)));
        if prefix == 0 && parts.iter().all(alias) {
            selects_elsewhere = true;
        }
        match prefix {
            b'!' => {
                chosen.retain(|i| !hits.contains(i));
                banned.extend(&hits);
            }
            b'-' => chosen.retain(|i| !hits.contains(i)),
            b'+' => {
                let (moved, kept): (Vec<usize>, Vec<usize>) = chosen.iter().partition(|i| hits.contains(i));
                chosen = kept;
                chosen.extend(moved);
            }
            _ => {
                for i in hits {
                    if !chosen.contains(&i) && !banned.contains(&i) {
                        chosen.push(i);
                    }
                }
            }
        }
    }
    if chosen.is_empty() && !selects_elsewhere { None } else { Some(chosen) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &str) -> Option<Vec<&'static str>> {
        select(list).map(|v| v.into_iter().map(|i| SUITES[i].name).collect())
    }

    /// Each expectation is native CPython 3.11 on OpenSSL 3.0, restricted to rustls' suites.
    #[test]
    fn cipher_strings_select_as_openssl_does() {
        let e = |n: &[&'static str]| Some(n.to_vec());
        let (ea256, ra256, ec, rc, ea128, ra128) = (
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "ECDHE-RSA-CHACHA20-POLY1305",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256",
        );
        assert_eq!(names(DEFAULT), e(&[ea256, ra256, ea128, ra128, ec, rc]));
        assert_eq!(names("ECDH"), e(&[ea256, ra256, ec, rc, ea128, ra128]));
        assert_eq!(names("EECDH+AESGCM"), e(&[ea256, ra256, ea128, ra128]));
        assert_eq!(names("ECDHE-RSA-AES128-GCM-SHA256:+AESGCM"), e(&[ra128]));
        assert_eq!(names("ALL:-CHACHA20:CHACHA20"), e(&[ea256, ra256, ea128, ra128, ec, rc]));
        assert_eq!(names("ALL:!CHACHA20:CHACHA20"), e(&[ea256, ra256, ea128, ra128]));
        assert_eq!(names("aRSA+AES128"), e(&[ra128]));
        assert_eq!(names("ECDSA"), e(&[ea256, ec, ea128]));
        assert_eq!(names("AES+ECDSA;CHACHA20"), e(&[ea256, ea128, ec, rc]));
        assert_eq!(names("foo:ECDHE-RSA-AES256-GCM-SHA384"), e(&[ra256]));
        assert_eq!(names("AES128:AES256:@STRENGTH"), e(&[ea256, ra256, ea128, ra128]));
        // Accepted by OpenSSL for suites rustls lacks.
        assert_eq!(names("RSA"), e(&[]));
        assert_eq!(names("SHA256"), e(&[]));
        assert_eq!(names("AES128-SHA"), e(&[]));
        assert_eq!(names("AES128:-AESGCM"), e(&[]));
        // Nothing selected.
        for nothing in ["!ALL", "TLS_AES_256_GCM_SHA384", "MEDIUM", "^$:,;?*'dorothyx", "", "-ALL", "ECDHE-RSA-AES128-GCM-SHA256:-AESGCM"] {
            assert_eq!(names(nothing), None, "{nothing:?}");
        }
    }

    #[test]
    fn descriptions_are_laid_out_as_openssl_does() {
        assert_eq!(
            SUITES[0].description(),
            "TLS_AES_256_GCM_SHA384         TLSv1.3 Kx=any      Au=any   Enc=AESGCM(256)            Mac=AEAD"
        );
        assert_eq!(
            SUITES[6].description(),
            "ECDHE-RSA-CHACHA20-POLY1305    TLSv1.2 Kx=ECDH     Au=RSA   Enc=CHACHA20/POLY1305(256) Mac=AEAD"
        );
    }
}

//! The X.509 fields CPython's `getpeercert()` and `get_ca_certs()` report, decoded from DER with
//! OpenSSL's names and formats (`'Jan  1 00:00:00 2000 GMT'`, `'IP Address'`, uppercase hex serials).
//!
//! Only reading is needed: the host's rustls has already verified whatever it accepted, so a field
//! this decoder does not know is skipped rather than judged.
#![forbid(unsafe_code)]

/// One decoded certificate, as the dict's fields.
#[derive(Debug, Default, PartialEq)]
pub struct Certificate {
    pub subject: Vec<Vec<(String, String)>>,
    pub issuer: Vec<Vec<(String, String)>>,
    pub version: i32,
    pub serial_number: String,
    pub not_before: String,
    pub not_after: String,
    pub subject_alt_name: Vec<AltName>,
    pub ocsp: Vec<String>,
    pub ca_issuers: Vec<String>,
    pub crl_distribution_points: Vec<String>,
    /// What OpenSSL's X509_check_ca says: basicConstraints with cA set, or a self-signed version 1
    /// certificate (which predates extensions). `get_ca_certs()` lists only these.
    pub is_ca: bool,
}

/// A subjectAltName entry as CPython shows it: `(type, text)`, or a directory name as nested RDNs.
#[derive(Debug, PartialEq)]
pub enum AltName {
    Text(String, String),
    DirName(Vec<Vec<(String, String)>>),
}

/// A DER element: its tag and its contents.
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
}

/// Reads DER elements one after another.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn next(&mut self) -> Option<Tlv<'a>> {
        let (&tag, rest) = self.0.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first & 0x80 == 0 {
            (first as usize, rest)
        } else {
            let count = (first & 0x7f) as usize;
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            (rest[..count].iter().fold(0usize, |n, b| (n << 8) | *b as usize), &rest[count..])
        };
        if rest.len() < len {
            return None;
        }
        self.0 = &rest[len..];
        Some(Tlv { tag, body: &rest[..len] })
    }

    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        self.next().filter(|t| t.tag == tag).map(|t| t.body)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;

fn oid_text(body: &[u8]) -> String {
    let mut parts = Vec::new();
    if let Some((&first, rest)) = body.split_first() {
        parts.push((first / 40).min(2) as u64);
        parts.push(first as u64 - 40 * parts[0]);
        let mut n = 0u64;
        for b in rest {
            n = (n << 7) | (b & 0x7f) as u64;
            if b & 0x80 == 0 {
                parts.push(n);
                n = 0;
            }
        }
    }
    parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// OpenSSL's long names for the attribute types CPython shows.
fn attribute_name(oid: &str) -> String {
    match oid {
        "2.5.4.3" => "commonName",
        "2.5.4.4" => "surname",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "countryName",
        "2.5.4.7" => "localityName",
        "2.5.4.8" => "stateOrProvinceName",
        "2.5.4.9" => "streetAddress",
        "2.5.4.10" => "organizationName",
        "2.5.4.11" => "organizationalUnitName",
        "2.5.4.12" => "title",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.42" => "givenName",
        "2.5.4.43" => "initials",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.1" => "userId",
        "0.9.2342.19200300.100.1.25" => "domainComponent",
        other => return other.to_string(),
    }
    .to_string()
}

fn string_value(tlv: &Tlv<'_>) -> String {
    match tlv.tag {
        // BMPString is UTF-16BE.
        0x1e => {
            let units: Vec<u16> = tlv.body.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect();
            String::from_utf16_lossy(&units)
        }
        _ => String::from_utf8_lossy(tlv.body).into_owned(),
    }
}

/// A Name: RDNs in order, each a list of (type, value).
fn name(body: &[u8]) -> Option<Vec<Vec<(String, String)>>> {
    let mut rdns = Vec::new();
    let mut seq = Reader(body);
    while !seq.is_empty() {
        let mut set = Reader(seq.expect(SET)?);
        let mut rdn = Vec::new();
        while !set.is_empty() {
            let mut atv = Reader(set.expect(SEQUENCE)?);
            let oid = oid_text(atv.expect(OID)?);
            let value = atv.next()?;
            rdn.push((attribute_name(&oid), string_value(&value)));
        }
        rdns.push(rdn);
    }
    Some(rdns)
}

/// UTCTime or GeneralizedTime as OpenSSL prints it: `Jan  1 00:00:00 2000 GMT`.
fn time(tlv: &Tlv<'_>) -> Option<String> {
    let text = std::str::from_utf8(tlv.body).ok()?.trim_end_matches('Z');
    let (year, rest) = match tlv.tag {
        0x17 => {
            let yy: i32 = text.get(0..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, text.get(2..)?)
        }
        0x18 => (text.get(0..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| rest.get(i..i + 2).and_then(|s| s.parse::<u32>().ok());
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.get(field(0)?.checked_sub(1)? as usize)?;
    Some(format!("{month} {:2} {:02}:{:02}:{:02} {year} GMT", field(2)?, field(4)?, field(6)?, field(8).unwrap_or(0)))
}

/// A GeneralName as CPython shows it, e.g. ('DNS', 'localhost'), ('IP Address', '0:0:0:0:0:0:0:1').
fn general_name(tlv: &Tlv<'_>) -> Option<AltName> {
    let text = || String::from_utf8_lossy(tlv.body).into_owned();
    if tlv.tag & 0x1f == 4 {
        return Some(AltName::DirName(Reader(tlv.body).expect(SEQUENCE).and_then(name).unwrap_or_default()));
    }
    let (kind, value): (String, String) = match tlv.tag & 0x1f {
        1 => ("email".into(), text()),
        2 => ("DNS".into(), text()),
        6 => ("URI".into(), text()),
        7 => {
            let ip = match tlv.body.len() {
                4 => tlv.body.iter().map(u8::to_string).collect::<Vec<_>>().join("."),
                16 => tlv.body.chunks(2).map(|c| format!("{:X}", u16::from_be_bytes([c[0], c[1]]))).collect::<Vec<_>>().join(":"),
                _ => "<invalid>".into(),
            };
            ("IP Address".into(), ip)
        }
        8 => ("Registered ID".into(), oid_text(tlv.body)),
        0 => ("othername".into(), "<unsupported>".into()),
        _ => return None,
    };
    Some(AltName::Text(kind, value))
}

fn general_names(body: &[u8]) -> Vec<AltName> {
    let mut out = Vec::new();
    let mut r = Reader(body);
    while let Some(t) = r.next() {
        out.extend(general_name(&t));
    }
    out
}

fn uris(names: impl IntoIterator<Item = AltName>) -> impl Iterator<Item = String> {
    names.into_iter().filter_map(|n| match n {
        AltName::Text(k, v) if k == "URI" => Some(v),
        _ => None,
    })
}

fn extensions(body: &[u8], cert: &mut Certificate) -> Option<()> {
    let mut list = Reader(Reader(body).expect(SEQUENCE)?);
    while !list.is_empty() {
        let mut ext = Reader(list.expect(SEQUENCE)?);
        let oid = oid_text(ext.expect(OID)?);
        let mut value = ext.next()?;
        if value.tag == 0x01 {
            value = ext.next()?; // the critical flag
        }
        if value.tag != OCTET_STRING {
            continue;
        }
        // Only the extensions decoded below are SEQUENCEs; others (keyUsage, key identifiers) are skipped.
        let Some(inner) = Reader(value.body).expect(SEQUENCE) else { continue };
        match oid.as_str() {
            "2.5.29.19" => cert.is_ca = Reader(inner).next().is_some_and(|t| t.tag == 0x01 && t.body.first().is_some_and(|b| *b != 0)),
            "2.5.29.17" => cert.subject_alt_name = general_names(inner),
            "1.3.6.1.5.5.7.1.1" => {
                let mut access = Reader(inner);
                while let Some(desc) = access.next() {
                    let mut d = Reader(desc.body);
                    let method = oid_text(d.expect(OID)?);
                    let location = d.next().and_then(|t| general_name(&t));
                    let target = match method.as_str() {
                        "1.3.6.1.5.5.7.48.1" => &mut cert.ocsp,
                        "1.3.6.1.5.5.7.48.2" => &mut cert.ca_issuers,
                        _ => continue,
                    };
                    target.extend(uris(location));
                }
            }
            "2.5.29.31" => {
                let mut points = Reader(inner);
                while let Some(point) = points.next() {
                    // DistributionPoint { [0] distributionPoint { [0] fullName GeneralNames } }
                    if let Some(dp) = Reader(point.body).next().filter(|t| t.tag == 0xa0) {
                        if let Some(full) = Reader(dp.body).next().filter(|t| t.tag == 0xa0) {
                            cert.crl_distribution_points.extend(uris(general_names(full.body)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Some(())
}

/// Decodes a DER certificate; `None` when it is not one.
pub fn decode(der: &[u8]) -> Option<Certificate> {
    let mut cert_seq = Reader(Reader(der).expect(SEQUENCE)?);
    let mut tbs = Reader(cert_seq.expect(SEQUENCE)?);
    let mut cert = Certificate { version: 1, ..Default::default() };
    let mut field = tbs.next()?;
    if field.tag == 0xa0 {
        let v = Reader(field.body).expect(INTEGER)?;
        cert.version = *v.last()? as i32 + 1;
        field = tbs.next()?;
    }
    if field.tag != INTEGER {
        return None;
    }
    let serial = match field.body {
        [0, rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    cert.serial_number = serial.iter().map(|b| format!("{b:02X}")).collect();
    tbs.expect(SEQUENCE)?; // signature algorithm
    cert.issuer = name(tbs.expect(SEQUENCE)?)?;
    let mut validity = Reader(tbs.expect(SEQUENCE)?);
    cert.not_before = time(&validity.next()?)?;
    cert.not_after = time(&validity.next()?)?;
    cert.subject = name(tbs.expect(SEQUENCE)?)?;
    tbs.expect(SEQUENCE)?; // subject public key info
    while let Some(t) = tbs.next() {
        if t.tag == 0xa3 {
            extensions(t.body, &mut cert)?;
        }
    }
    if cert.version == 1 && cert.subject == cert.issuer {
        cert.is_ca = true;
    }
    Some(cert)
}

/// Splits DER certificates laid back to back (`cadata` as bytes); None when the bytes are not that.
pub fn split_der(mut data: &[u8]) -> Option<Vec<&[u8]>> {
    let mut certs = Vec::new();
    while !data.is_empty() {
        let mut r = Reader(data);
        r.expect(SEQUENCE)?;
        let len = data.len() - r.0.len();
        certs.push(&data[..len]);
        data = r.0;
    }
    Some(certs)
}

/// A name as OpenSSL prints it for RFC 2253 (`Certificate.__repr__`): the last RDN first, short
/// attribute names, `+` within an RDN, and RFC 2253's escapes.
pub fn rfc2253(rdns: &[Vec<(String, String)>]) -> String {
    let short = |long: &str| match long {
        "commonName" => "CN",
        "countryName" => "C",
        "localityName" => "L",
        "stateOrProvinceName" => "ST",
        "organizationName" => "O",
        "organizationalUnitName" => "OU",
        "streetAddress" => "street",
        "domainComponent" => "DC",
        "userId" => "UID",
        "surname" => "SN",
        "givenName" => "GN",
        other => other,
    }
    .to_string();
    let escape = |value: &str| {
        let mut out = String::new();
        for (i, c) in value.chars().enumerate() {
            let edge = (i == 0 && (c == '#' || c == ' ')) || (i + 1 == value.chars().count() && c == ' ');
            if edge || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
                out.push('\\');
            }
            out.push(c);
        }
        out
    };
    let rdn = |atvs: &Vec<(String, String)>| atvs.iter().map(|(k, v)| format!("{}={}", short(k), escape(v))).collect::<Vec<_>>().join("+");
    rdns.iter().rev().map(rdn).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conformance suite's PKI (in PYSOCK_SHARED, else ../shared beside the checkout),
    /// decoded from PEM with a small base64 reader.
    fn der(name: &str) -> Vec<u8> {
        let shared = std::env::var("PYSOCK_SHARED").unwrap_or_else(|_| format!("{}/../../shared", env!("CARGO_MANIFEST_DIR")));
        let pem = std::fs::read_to_string(format!("{shared}/conformance/certs/{name}")).unwrap();
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let value = |c: u8| match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            _ => 63,
        };
        let bytes: Vec<u8> = b64.bytes().filter(|c| *c != b'=').map(value).collect();
        bytes.chunks(4).flat_map(|q| {
            let n = q.iter().enumerate().fold(0u32, |n, (i, v)| n | (*v as u32) << (18 - 6 * i));
            let out = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            out.into_iter().take(q.len() - 1)
        }).collect()
    }

    fn pairs(rdns: &[(&str, &str)]) -> Vec<Vec<(String, String)>> {
        rdns.iter().map(|(k, v)| vec![(k.to_string(), v.to_string())]).collect()
    }

    #[test]
    fn decodes_what_cpython_reports_for_the_test_certificate() {
        // The values native CPython's _ssl._test_decode_cert gives for the same file.
        let c = decode(&der("cert.pem")).unwrap();
        assert_eq!(c.subject, pairs(&[("commonName", "localhost"), ("organizationName", "Conformance")]));
        assert_eq!(c.issuer, pairs(&[("commonName", "Conformance Test CA"), ("organizationName", "Conformance")]));
        assert_eq!((c.version, c.serial_number.as_str()), (3, "1001"));
        assert_eq!(c.not_before, "Jan  1 00:00:00 2000 GMT");
        assert_eq!(c.not_after, "Dec 31 23:59:59 2099 GMT");
        let san: Vec<(&str, &str)> = c.subject_alt_name.iter().filter_map(|n| match n {
            AltName::Text(k, v) => Some((k.as_str(), v.as_str())),
            AltName::DirName(_) => None,
        }).collect();
        assert_eq!(san, [("DNS", "localhost"), ("IP Address", "127.0.0.1"), ("IP Address", "0:0:0:0:0:0:0:1")]);
        let ca = decode(&der("ca.pem")).unwrap();
        assert_eq!((ca.serial_number.as_str(), ca.subject_alt_name.len()), ("1000", 0));
    }

    #[test]
    fn ca_flags_names_and_der_lists() {
        let (leaf, ca) = (decode(&der("cert.pem")).unwrap(), decode(&der("ca.pem")).unwrap());
        assert!(!leaf.is_ca && ca.is_ca);
        // As native CPython's repr(_ssl.Certificate) shows them.
        assert_eq!(rfc2253(&leaf.subject), "O=Conformance,CN=localhost");
        let odd = vec![vec![("commonName".to_string(), "a,b+c ".to_string())], vec![("organizationName".to_string(), "#x".to_string())]];
        assert_eq!(rfc2253(&odd), "O=\\#x,CN=a\\,b\\+c\\ ");
        let both = [der("cert.pem"), der("ca.pem")].concat();
        assert_eq!(split_der(&both).unwrap().len(), 2);
        assert!(split_der(b"junk").is_none());
        assert!(split_der(&both[..both.len() - 1]).is_none());
    }

    #[test]
    fn garbage_is_none_not_a_panic() {
        assert!(decode(b"").is_none());
        assert!(decode(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
        let good = der("cert.pem");
        for cut in [1, 10, 100, good.len() / 2, good.len() - 1] {
            assert!(decode(&good[..cut]).is_none());
        }
    }
}

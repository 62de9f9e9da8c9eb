//! The audit log: one JSON object per line for every connect, bind, accept, datagram destination
//! and name-resolution decision, with the rule that decided it.
//!
//! ```text
//! {"time":1764136800.125,"op":"connect","address":"10.0.0.1","port":80,"allowed":false,"rule":"deny 10.0.0.0/8"}
//! {"time":1764136800.126,"op":"resolve","name":"api.test","allowed":true,"rule":"allow *.test","addresses":["127.0.0.2"]}
//! ```

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};

/// One decision to record.
pub struct Event<'a> {
    pub op: &'a str,
    pub address: Option<SocketAddr>,
    pub name: Option<&'a str>,
    /// For accept: the listener's address.
    pub local: Option<SocketAddr>,
    pub allowed: bool,
    pub rule: &'a str,
    pub addresses: &'a [IpAddr],
}

/// Where audit records go; writes nothing unless the embedder gave it a writer.
#[derive(Default)]
pub struct AuditLog {
    out: Option<Box<dyn Write + Send>>,
}

impl AuditLog {
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        AuditLog { out: Some(out) }
    }

    pub fn enabled(&self) -> bool {
        self.out.is_some()
    }

    /// Appends one line. A failing writer loses the record rather than the guest's operation.
    pub fn record(&mut self, e: &Event<'_>) {
        let Some(out) = self.out.as_mut() else { return };
        let time = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        let mut line = format!("{{\"time\":{time:.3},\"op\":{}", json_str(e.op));
        if let Some(a) = e.address {
            line += &format!(",\"address\":{},\"port\":{}", json_str(&a.ip().to_string()), a.port());
        }
        if let Some(n) = e.name {
            line += &format!(",\"name\":{}", json_str(n));
        }
        if let Some(l) = e.local {
            line += &format!(",\"local\":{}", json_str(&l.to_string()));
        }
        line += &format!(",\"allowed\":{},\"rule\":{}", e.allowed, json_str(e.rule));
        if !e.addresses.is_empty() {
            let list: Vec<String> = e.addresses.iter().map(|ip| json_str(&ip.to_string())).collect();
            line += &format!(",\"addresses\":[{}]", list.join(","));
        }
        line += "}\n";
        let _ = out.write_all(line.as_bytes()).and_then(|_| out.flush());
    }
}

/// A JSON string literal; names come from the guest, so every control character is escaped.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_from_the_guest_are_escaped() {
        assert_eq!(super::json_str("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\u000a\\u0001\"");
    }
}

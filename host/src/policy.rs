//! What the sandbox may reach. The default is no network at all; the embedder widens it.
//!
//! Every address check happens on the resolved IP the kernel will see, never on a host name, so
//! spellings such as `127.1` or `::ffff:127.0.0.1` are judged by what they mean.

use std::net::IpAddr;

/// Which addresses sandboxed code may connect to, bind, send datagrams to, and which names it may resolve.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum NetworkPolicy {
    /// No network: every connect, bind, send-to and name lookup is refused with EACCES.
    #[default]
    Deny,
    /// Only 127.0.0.0/8 and ::1 (also as IPv4-mapped addresses); only `localhost` and numeric
    /// addresses resolve.
    Loopback,
    /// Everything the host itself can reach.
    Allow,
}

impl NetworkPolicy {
    /// Whether the guest may use `ip` as a local or remote address. The unspecified address is a
    /// wildcard that reaches every interface, so loopback-only sandboxes may not bind to it.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        match self {
            NetworkPolicy::Deny => false,
            NetworkPolicy::Allow => true,
            NetworkPolicy::Loopback => is_loopback(ip),
        }
    }

    /// Whether a lookup of `host` may consult name services (DNS, /etc/hosts). When it may not, the
    /// lookup still runs numerically (AI_NUMERICHOST), so `127.1` resolves as glibc reads it and a name
    /// fails with EAI_NONAME: what a machine without DNS answers. The address it yields is judged
    /// again when it is used.
    pub fn resolves_names(&self, host: Option<&str>) -> bool {
        match self {
            NetworkPolicy::Deny => false,
            NetworkPolicy::Allow => true,
            NetworkPolicy::Loopback => {
                host.is_some_and(|name| name.eq_ignore_ascii_case("localhost") || name.eq_ignore_ascii_case("localhost."))
            }
        }
    }

    /// Whether a reverse lookup (getnameinfo without NI_NUMERICHOST) of `ip` may consult name services.
    pub fn reverse_resolves(&self, ip: IpAddr) -> bool {
        match self {
            NetworkPolicy::Deny => false,
            NetworkPolicy::Allow => true,
            NetworkPolicy::Loopback => is_loopback(ip),
        }
    }

    /// A sentence for error messages: what to pass to allow more.
    pub fn hint(&self) -> &'static str {
        match self {
            NetworkPolicy::Deny => "the sandbox has no network; run with --allow-loopback or --allow-net",
            NetworkPolicy::Loopback => "the sandbox may reach only 127.0.0.0/8 and ::1; run with --allow-net to allow more",
            NetworkPolicy::Allow => "",
        }
    }
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_policy_judges_resolved_addresses() {
        let p = NetworkPolicy::Loopback;
        assert!(p.allows_ip("127.0.0.1".parse().unwrap()));
        assert!(p.allows_ip("127.255.0.9".parse().unwrap()));
        assert!(p.allows_ip("::1".parse().unwrap()));
        assert!(p.allows_ip("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!p.allows_ip("::ffff:10.0.0.1".parse().unwrap()));
        assert!(!p.allows_ip("0.0.0.0".parse().unwrap()));
        assert!(!p.allows_ip("::".parse().unwrap()));
        assert!(!p.allows_ip("10.1.2.3".parse().unwrap()));
        assert!(!NetworkPolicy::Deny.allows_ip("127.0.0.1".parse().unwrap()));
        assert!(p.resolves_names(Some("LocalHost")));
        assert!(!p.resolves_names(Some("example.com")));
        assert!(!NetworkPolicy::Deny.resolves_names(Some("localhost")));
        assert!(p.reverse_resolves("127.0.0.1".parse().unwrap()));
        assert!(!p.reverse_resolves("10.0.0.1".parse().unwrap()));
    }
}

//! What the sandbox may reach. The default is no network at all; the embedder widens it with rules.
//!
//! A rule allows or denies an operation — `connect` (TCP connect, UDP connect), `bind` (bind, and
//! listen on a socket that was never bound) or `send` (UDP `sendto`) — on a target: a CIDR block
//! (`10.0.0.0/8`, `::1/128`, a bare address) or a host-name pattern (`api.example.com`,
//! `*.example.com`), optionally limited to a port range. A deny rule that matches always wins;
//! otherwise an allow rule that matches admits; otherwise the operation is refused.
//!
//! Every check happens on the address the kernel will see, never on a spelling: `127.1`,
//! `0x7f000001` and `2130706433` are 127.0.0.1 by the time they reach the host, `::ffff:10.0.0.1` is
//! judged as 10.0.0.1, and connecting to `0.0.0.0` or `::` (which Linux sends to the local host) is
//! judged as connecting to loopback. A host-name rule never matches a spelling either: it admits
//! exactly the addresses that pysock's own resolution of a matching name returned, for a bounded
//! time ([`NetworkPolicy::admission_ttl`]). A name that later resolves elsewhere (DNS rebinding)
//! admits only what the rules allow for it, and deny rules still win, so
//! `--allow-host '*.example.com' --deny 10.0.0.0/8` keeps example.com names off 10/8.
//!
//! Name resolution is policy-controlled too: a name goes to the host's resolver only when an allow
//! rule names it (or the policy resolves everything, as `--allow-net` does); numeric addresses
//! always resolve, numerically.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

/// An operation that rules govern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Connect,
    Bind,
    Send,
}

impl Op {
    const ALL: u8 = 0b111;

    fn bit(self) -> u8 {
        match self {
            Op::Connect => 1,
            Op::Bind => 2,
            Op::Send => 4,
        }
    }

    /// The name used in rules and in the audit log.
    pub fn name(self) -> &'static str {
        match self {
            Op::Connect => "connect",
            Op::Bind => "bind",
            Op::Send => "send",
        }
    }

    /// How an error message says it: "does not allow connecting to 10.0.0.1:80".
    pub fn gerund(self) -> &'static str {
        match self {
            Op::Connect => "connecting to",
            Op::Bind => "binding",
            Op::Send => "sending datagrams to",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
}

/// What a rule is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Addresses in `ip/prefix` (an IPv4-mapped IPv6 block is stored as its IPv4 block).
    Net { ip: IpAddr, prefix: u8 },
    /// Names equal to this one (lowercase, no trailing dot), or below it when it starts with
    /// `*.`; `*` alone is every name.
    Name(String),
}

/// One allow or deny rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub action: Action,
    ops: u8,
    pub target: Target,
    /// Inclusive port range; `None` is every port, including 0 (an ephemeral bind).
    pub ports: Option<(u16, u16)>,
    /// The rule as the embedder wrote it, for messages and the audit log.
    pub text: String,
}

/// Why a rule did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError(String);

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RuleError {}

impl Rule {
    /// Parses `[OPS=]TARGET[:PORTS]`: OPS is a comma list of connect, bind, send (default: all);
    /// TARGET a CIDR block, an address, or a host-name pattern; PORTS `N` or `N-M`. IPv6 targets
    /// with a port go in brackets: `[::1]:8000-8100`, `[fd00::/8]:443`.
    pub fn parse(action: Action, spec: &str) -> Result<Rule, RuleError> {
        let bad = |why: &str| RuleError(format!("bad rule {spec:?}: {why} (expected [connect,bind,send=]CIDR|NAME[:PORT[-PORT]])"));
        let (ops, rest) = match spec.split_once('=') {
            Some((ops, rest)) => {
                let mut bits = 0;
                for op in ops.split(',') {
                    bits |= match op.trim() {
                        "connect" => Op::Connect.bit(),
                        "bind" => Op::Bind.bit(),
                        "send" => Op::Send.bit(),
                        other => return Err(bad(&format!("unknown operation {other:?}"))),
                    };
                }
                (bits, rest)
            }
            None => (Op::ALL, spec),
        };
        let (target, ports) = if let Some(inner) = rest.strip_prefix('[') {
            let (target, after) = inner.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            let ports = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| bad("expected ':' after ']'"))?),
            };
            (target, ports)
        } else if let Some((t, p)) = rest.split_once(':').filter(|_| rest.matches(':').count() == 1) {
            (t, Some(p))
        } else {
            (rest, None)
        };
        let ports = match ports {
            None => None,
            Some(p) => {
                let port = |s: &str| s.trim().parse::<u16>().map_err(|_| bad(&format!("bad port {s:?}")));
                let (lo, hi) = match p.split_once('-') {
                    Some((lo, hi)) => (port(lo)?, port(hi)?),
                    None => (port(p)?, port(p)?),
                };
                if lo > hi {
                    return Err(bad("port range is backwards"));
                }
                Some((lo, hi))
            }
        };
        let target = parse_target(target).map_err(|why| bad(&why))?;
        let verb = if action == Action::Allow { "allow" } else { "deny" };
        Ok(Rule { action, ops, target, ports, text: format!("{verb} {spec}") })
    }

    fn with_text(mut self, text: &str) -> Rule {
        self.text = text.to_string();
        self
    }

    fn governs(&self, op: Op) -> bool {
        self.ops & op.bit() != 0
    }

    fn covers_port(&self, port: u16) -> bool {
        match self.ports {
            None => true,
            Some((lo, hi)) => lo <= port && port <= hi,
        }
    }

    fn matches(&self, op: Op, ip: IpAddr, port: u16, admitted: &Admissions, now: Instant) -> bool {
        self.governs(op)
            && self.covers_port(port)
            && match &self.target {
                Target::Net { ip: net, prefix } => in_block(ip, *net, *prefix),
                Target::Name(pattern) => admitted.names(ip, now).any(|name| name_matches(pattern, name)),
            }
    }
}

fn parse_target(t: &str) -> Result<Target, String> {
    let (addr, prefix) = match t.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (t, None),
    };
    if let Ok(ip) = addr.parse::<IpAddr>() {
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or(format!("bad prefix length {p:?}"))?,
        };
        // A block inside ::ffff:0:0/96 means the IPv4 addresses it maps.
        let mapped = match ip {
            IpAddr::V6(v6) if prefix >= 96 => v6.to_ipv4_mapped(),
            _ => None,
        };
        return Ok(match mapped {
            Some(v4) => Target::Net { ip: IpAddr::V4(v4), prefix: prefix - 96 },
            None => Target::Net { ip: mask(ip, prefix), prefix },
        });
    }
    if prefix.is_some() {
        return Err(format!("{addr:?} is not an IP address"));
    }
    let name = normalize_name(t);
    let label_ok = |l: &str| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let body = name.strip_prefix("*.").unwrap_or(&name);
    if name != "*" && !body.split('.').all(label_ok) {
        return Err(format!("{t:?} is neither an address, a CIDR block nor a host name"));
    }
    Ok(Target::Name(name))
}

fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix("*.") {
        _ if pattern == "*" => true,
        Some(suffix) => name.len() > suffix.len() + 1 && name.ends_with(suffix) && name[..name.len() - suffix.len()].ends_with('.'),
        None => pattern == name,
    }
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let m = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & m))
        }
        IpAddr::V6(v6) => {
            let m = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & m))
        }
    }
}

fn in_block(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    ip.is_ipv4() == net.is_ipv4() && mask(ip, prefix) == net
}

/// The address an operation really reaches: IPv4-mapped IPv6 is IPv4, and a connection or datagram
/// to the unspecified address goes to the local host.
pub fn effective_ip(op: Op, ip: IpAddr) -> IpAddr {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) if op != Op::Bind && v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if op != Op::Bind && v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    }
}

/// Addresses that resolving a name returned, each admitted until its expiry.
#[derive(Debug, Default)]
pub struct Admissions {
    by_ip: HashMap<IpAddr, Vec<(String, Instant)>>,
}

/// The most addresses remembered at once; past it, expired entries go, then the oldest.
const MAX_ADMISSIONS: usize = 4096;

impl Admissions {
    pub fn admit(&mut self, name: &str, ips: impl IntoIterator<Item = IpAddr>, until: Instant, now: Instant) {
        let name = normalize_name(name);
        for ip in ips {
            let ip = effective_ip(Op::Bind, ip);
            if self.by_ip.len() >= MAX_ADMISSIONS && !self.by_ip.contains_key(&ip) {
                self.by_ip.retain(|_, names| {
                    names.retain(|(_, t)| *t > now);
                    !names.is_empty()
                });
                if self.by_ip.len() >= MAX_ADMISSIONS {
                    let oldest = self.by_ip.iter().min_by_key(|(_, n)| n.iter().map(|(_, t)| *t).max()).map(|(ip, _)| *ip);
                    oldest.map(|ip| self.by_ip.remove(&ip));
                }
            }
            let names = self.by_ip.entry(ip).or_default();
            names.retain(|(n, t)| *n != name && *t > now);
            names.push((name.clone(), until));
        }
    }

    fn names(&self, ip: IpAddr, now: Instant) -> impl Iterator<Item = &str> {
        self.by_ip.get(&ip).into_iter().flatten().filter(move |(_, t)| *t > now).map(|(n, _)| n.as_str())
    }
}

/// The outcome of a check, with the rule that decided it (none: no rule allowed it).
#[derive(Debug, Clone, Copy)]
pub struct Verdict<'a> {
    pub allowed: bool,
    pub rule: Option<&'a Rule>,
}

impl Verdict<'_> {
    /// The deciding rule as written, or what the default decided.
    pub fn reason(&self) -> &str {
        self.rule.map(|r| r.text.as_str()).unwrap_or("default: deny")
    }
}

/// The embedder's rules, plus the names it pins to addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkPolicy {
    rules: Vec<Rule>,
    resolve_any: bool,
    pinned: Vec<(String, Vec<IpAddr>)>,
    admission_ttl: Option<Duration>,
}

/// How long a resolved address stays admitted by a host-name rule unless the embedder says otherwise.
pub const DEFAULT_ADMISSION_TTL: Duration = Duration::from_secs(60);

impl NetworkPolicy {
    /// No network: every connect, bind, send-to and name lookup is refused.
    pub fn deny() -> Self {
        Self::default()
    }

    /// 127.0.0.0/8 and ::1 for every operation, and the name `localhost` (`--allow-loopback`).
    pub fn loopback() -> Self {
        Self::deny().with_loopback()
    }

    /// Everything the host itself can reach, every name resolved (`--allow-net`).
    pub fn allow_all() -> Self {
        Self::deny().with_all()
    }

    pub fn with_loopback(mut self) -> Self {
        for spec in ["127.0.0.0/8", "::1/128", "localhost"] {
            // Constant rules, which the unit tests parse; never a guest's input.
            self.rules.push(Rule::parse(Action::Allow, spec).expect("valid").with_text("--allow-loopback"));
        }
        self
    }

    pub fn with_all(mut self) -> Self {
        for spec in ["0.0.0.0/0", "::/0"] {
            // Constant rules, which the unit tests parse; never a guest's input.
            self.rules.push(Rule::parse(Action::Allow, spec).expect("valid").with_text("--allow-net"));
        }
        self.resolve_any = true;
        self
    }

    /// Adds an allow rule written as in [`Rule::parse`].
    pub fn allow(mut self, spec: &str) -> Result<Self, RuleError> {
        self.rules.push(Rule::parse(Action::Allow, spec)?);
        Ok(self)
    }

    /// Adds a deny rule written as in [`Rule::parse`]; deny rules win over allow rules.
    pub fn deny_rule(mut self, spec: &str) -> Result<Self, RuleError> {
        self.rules.push(Rule::parse(Action::Deny, spec)?);
        Ok(self)
    }

    /// Makes `name` resolve to `ips` inside the sandbox without asking the host's resolver, as
    /// /etc/hosts would; rules still judge the name and the addresses.
    pub fn pin_name(mut self, name: &str, ips: Vec<IpAddr>) -> Self {
        self.pinned.push((normalize_name(name), ips));
        self
    }

    /// How long an address that a host-name rule admitted stays admitted after the resolution.
    pub fn admission_ttl(mut self, ttl: Duration) -> Self {
        self.admission_ttl = Some(ttl);
        self
    }

    pub fn ttl(&self) -> Duration {
        self.admission_ttl.unwrap_or(DEFAULT_ADMISSION_TTL)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Judges `op` on `addr`, as the address it really reaches ([`effective_ip`]).
    pub fn decide(&self, op: Op, addr: SocketAddr, admitted: &Admissions, now: Instant) -> Verdict<'_> {
        let ip = effective_ip(op, addr.ip());
        let matching = |action| {
            self.rules.iter().find(|r| r.action == action && r.matches(op, ip, addr.port(), admitted, now))
        };
        if let Some(rule) = matching(Action::Deny) {
            return Verdict { allowed: false, rule: Some(rule) };
        }
        match matching(Action::Allow) {
            Some(rule) => Verdict { allowed: true, rule: Some(rule) },
            None => Verdict { allowed: false, rule: None },
        }
    }

    /// Whether a lookup of the name `host` may consult the host's name services.
    pub fn may_resolve(&self, host: &str) -> Verdict<'_> {
        let name = normalize_name(host);
        let by_name = |action| {
            self.rules.iter().find(|r| r.action == action && matches!(&r.target, Target::Name(p) if name_matches(p, &name)))
        };
        if let Some(rule) = by_name(Action::Deny) {
            return Verdict { allowed: false, rule: Some(rule) };
        }
        if let Some(rule) = by_name(Action::Allow) {
            return Verdict { allowed: true, rule: Some(rule) };
        }
        if self.resolve_any {
            return Verdict { allowed: true, rule: self.rules.iter().find(|r| r.action == Action::Allow) };
        }
        Verdict { allowed: false, rule: None }
    }

    /// Whether the sandbox may reach everything the host reaches (`--allow-net`), and so see the
    /// host's network interfaces (`socket.if_nameindex()`). Otherwise it sees only the loopback
    /// ones, as a Linux process in a network namespace of its own does, however far its rules reach:
    /// an interface's name says nothing about which of its addresses they allow.
    pub fn reaches_everything(&self) -> bool {
        self.resolve_any
    }

    /// The addresses the embedder pinned for `host`, if any.
    pub fn pinned(&self, host: &str) -> Option<&[IpAddr]> {
        let name = normalize_name(host);
        self.pinned.iter().find(|(n, _)| *n == name).map(|(_, ips)| ips.as_slice())
    }

    /// Whether a reverse lookup (getnameinfo without NI_NUMERICHOST) of `ip` may consult name
    /// services: with --allow-net, or for a loopback address the rules allow.
    pub fn reverse_resolves(&self, ip: IpAddr) -> bool {
        self.resolve_any || self.reaches_loopback(ip)
    }

    /// Whether `ip` is a loopback address the rules let the sandbox connect to.
    pub fn reaches_loopback(&self, ip: IpAddr) -> bool {
        let ip = effective_ip(Op::Connect, ip);
        ip.is_loopback() && self.decide(Op::Connect, SocketAddr::new(ip, 0), &Admissions::default(), Instant::now()).allowed
    }

    /// The verdict for looking up `host` when it is `own`, the machine's own host name, and no rule
    /// names it: the one `localhost` gets. `socket.gethostname()` already told the sandbox the name,
    /// so the lookup tells it nothing new, and Python's habits need it (`gethostbyname(gethostname())`,
    /// `getfqdn()`, http.server's `server_name`). The caller keeps only the answers
    /// [`Self::reaches_loopback`] accepts, as a process in a network namespace with only `lo` sees.
    pub fn may_resolve_own_name(&self, host: &str, own: &str) -> Option<Verdict<'_>> {
        let verdict = self.may_resolve(host);
        let unnamed = verdict.rule.is_none() && !verdict.allowed;
        (unnamed && !own.is_empty() && normalize_name(host) == normalize_name(own)).then(|| self.may_resolve("localhost"))
    }

    /// A sentence for refusals that no rule decided: what to pass to allow more.
    pub fn hint(&self, op: Op, addr: SocketAddr) -> String {
        // SocketAddr's Display brackets IPv6 (`[::1]:80`), as --allow expects.
        format!("no rule allows it; run with --allow {}={addr}, --allow-loopback (127.0.0.0/8 and ::1) or --allow-net", op.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn allowed(p: &NetworkPolicy, op: Op, addr: &str) -> bool {
        p.decide(op, sa(addr), &Admissions::default(), Instant::now()).allowed
    }

    #[test]
    fn loopback_policy_judges_effective_addresses() {
        let p = NetworkPolicy::loopback();
        for a in ["127.0.0.1:80", "127.255.0.9:1", "[::1]:80", "[::ffff:127.0.0.1]:80", "0.0.0.0:80", "[::]:80"] {
            assert!(allowed(&p, Op::Connect, a), "{a}");
        }
        for a in ["[::ffff:10.0.0.1]:80", "10.1.2.3:80", "[fe80::1]:80"] {
            assert!(!allowed(&p, Op::Connect, a), "{a}");
        }
        // Binding the wildcard reaches every interface, so loopback rules do not cover it.
        assert!(!allowed(&p, Op::Bind, "0.0.0.0:0"));
        assert!(!allowed(&p, Op::Bind, "[::]:0"));
        assert!(allowed(&p, Op::Bind, "127.0.0.1:0"));
        assert!(!allowed(&NetworkPolicy::deny(), Op::Connect, "127.0.0.1:80"));
        assert!(p.may_resolve("LocalHost.").allowed);
        assert!(!p.may_resolve("example.com").allowed);
        assert!(!NetworkPolicy::deny().may_resolve("localhost").allowed);
        assert!(p.reverse_resolves("127.0.0.1".parse().unwrap()));
        assert!(!p.reverse_resolves("10.0.0.1".parse().unwrap()));
    }

    #[test]
    fn the_own_host_name_resolves_as_localhost_does_unless_a_rule_names_it() {
        let p = NetworkPolicy::loopback();
        assert!(p.may_resolve_own_name("Box.", "box").is_some_and(|v| v.allowed));
        assert!(p.may_resolve_own_name("other", "box").is_none());
        assert!(p.may_resolve_own_name("", "").is_none());
        assert!(NetworkPolicy::deny().may_resolve_own_name("box", "box").is_some_and(|v| !v.allowed));
        // A rule that names it decides, as for any name.
        let denied = NetworkPolicy::loopback().deny_rule("box").unwrap();
        assert!(denied.may_resolve_own_name("box", "box").is_none() && !denied.may_resolve("box").allowed);
        assert!(p.reaches_loopback("::ffff:127.0.1.1".parse().unwrap()));
        assert!(!p.reaches_loopback("192.168.1.5".parse().unwrap()));
        assert!(!NetworkPolicy::allow_all().deny_rule("127.0.0.0/8").unwrap().reaches_loopback("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn deny_rules_win_and_tricks_do_not_pass() {
        let p = NetworkPolicy::allow_all().deny_rule("127.0.0.0/8").unwrap().deny_rule("::1").unwrap();
        for a in ["127.0.0.1:80", "0.0.0.0:80", "[::]:80", "[::ffff:127.0.0.1]:80", "[::1]:80"] {
            assert!(!allowed(&p, Op::Connect, a), "{a}");
        }
        assert!(allowed(&p, Op::Connect, "10.0.0.1:80"));
        let p = NetworkPolicy::allow_all().deny_rule("::ffff:10.0.0.0/104").unwrap();
        assert!(!allowed(&p, Op::Connect, "10.2.3.4:1"));
        assert!(!allowed(&p, Op::Send, "[::ffff:10.2.3.4]:1"));
    }

    #[test]
    fn ports_and_operations() {
        let p = NetworkPolicy::deny().allow("connect=127.0.0.2:8000-8010").unwrap().allow("bind=[::1]:9000").unwrap();
        assert!(allowed(&p, Op::Connect, "127.0.0.2:8005"));
        assert!(!allowed(&p, Op::Connect, "127.0.0.2:8011"));
        assert!(!allowed(&p, Op::Send, "127.0.0.2:8005"));
        assert!(!allowed(&p, Op::Bind, "127.0.0.2:8005"));
        assert!(allowed(&p, Op::Bind, "[::1]:9000"));
        assert!(!allowed(&p, Op::Bind, "[::1]:0"));
        for bad in ["connect=", "dial=1.2.3.4", "1.2.3.4:99999", "1.2.3.4/33", "a b", "[::1", "1.2.3.4:9-8", "x/8"] {
            assert!(Rule::parse(Action::Allow, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_admit_what_resolution_returned_for_a_while() {
        let p = NetworkPolicy::deny().allow("*.example.com:443").unwrap();
        assert!(p.may_resolve("api.Example.com").allowed);
        assert!(!p.may_resolve("example.com").allowed);
        assert!(!p.may_resolve("evil-example.com").allowed);
        let mut admitted = Admissions::default();
        let now = Instant::now();
        let ip: IpAddr = "93.184.216.34".parse().unwrap();
        assert!(!p.decide(Op::Connect, SocketAddr::new(ip, 443), &admitted, now).allowed);
        admitted.admit("api.example.com", [ip], now + Duration::from_secs(5), now);
        assert!(p.decide(Op::Connect, SocketAddr::new(ip, 443), &admitted, now).allowed);
        assert!(!p.decide(Op::Connect, SocketAddr::new(ip, 80), &admitted, now).allowed);
        assert!(!p.decide(Op::Connect, SocketAddr::new(ip, 443), &admitted, now + Duration::from_secs(6)).allowed);
        // Rebinding to a denied block: deny rules still win over the name.
        let p = p.deny_rule("127.0.0.0/8").unwrap();
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        admitted.admit("api.example.com", [local], now + Duration::from_secs(5), now);
        assert!(!p.decide(Op::Connect, SocketAddr::new(local, 443), &admitted, now).allowed);
    }
}

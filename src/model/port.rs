//! EXPOSE values, read the way BuildKit reads them: each expanded word is a
//! port spec of Docker's `nat.ParsePortSpecs` (`[ip:[hostPort]:]port[-end][/proto]`),
//! and every port of a range enters the image's `ExposedPorts` on its own, as
//! `port/proto` with the protocol lower-cased. A spec it refuses fails the
//! build; these are the messages Docker 20.10's BuildKit prints.

use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    #[error("no port in `{0}`")]
    NoPort(String),
    #[error("invalid port `{0}`")]
    ContainerPort(String),
    #[error("invalid host port `{0}`")]
    HostPort(String),
    #[error("invalid IP address `{0}`")]
    Ip(String),
    #[error("the port range `{container}` and the host range `{host}` differ in length")]
    Ranges { container: String, host: String },
    #[error("invalid protocol `{0}`")]
    Proto(String),
}

impl PortError {
    /// What BuildKit accepts, for the error's `expected` line.
    pub fn expected(&self) -> &'static str {
        match self {
            PortError::Proto(_) => "tcp, udp or sctp after the `/`",
            PortError::Ip(_) => "an IPv4 or IPv6 address before the host port",
            _ => "a port or range of ports from 0 to 65535, such as 80, 8000-8010 or 53/udp",
        }
    }
}

/// The `ExposedPorts` keys one spec adds, in order.
pub fn exposed_ports(spec: &str) -> Result<Vec<String>, PortError> {
    let (ip, host, container) = split_parts(spec);
    let (proto, container) = split_proto_port(container);
    let ip = match ip.strip_prefix('[').and_then(|i| i.strip_suffix(']')) {
        Some(inner) => inner,
        None => ip,
    };
    if !ip.is_empty() && ip.parse::<IpAddr>().is_err() {
        return Err(PortError::Ip(ip.to_string()));
    }
    if container.is_empty() {
        return Err(PortError::NoPort(spec.to_string()));
    }
    let (start, end) =
        port_range(container).ok_or_else(|| PortError::ContainerPort(container.to_string()))?;
    if !host.is_empty() {
        let (hs, he) = port_range(host).ok_or_else(|| PortError::HostPort(host.to_string()))?;
        // A host range may map onto one container port, not onto a range of
        // another length.
        if end - start != he - hs && end != start {
            return Err(PortError::Ranges {
                container: container.to_string(),
                host: host.to_string(),
            });
        }
    }
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(PortError::Proto(proto));
    }
    Ok((start..=end).map(|p| format!("{p}/{proto}")).collect())
}

/// `ip:host:container`, with every colon before the last two in the IP.
fn split_parts(spec: &str) -> (&str, &str, &str) {
    let mut it = spec.rsplitn(3, ':');
    let container = it.next().unwrap_or("");
    match (it.next(), it.next()) {
        (Some(host), Some(ip)) => (ip, host, container),
        (Some(host), None) => ("", host, container),
        _ => ("", "", container),
    }
}

/// The protocol after the first `/` (tcp when absent or empty); anything
/// after a second `/` is ignored, as Docker ignores it.
fn split_proto_port(raw: &str) -> (&str, &str) {
    let mut parts = raw.split('/');
    let port = parts.next().unwrap_or("");
    if port.is_empty() {
        return ("", "");
    }
    match parts.next() {
        Some(p) if !p.is_empty() => (p, port),
        _ => ("tcp", port),
    }
}

/// `N` or `N-M` with N ≤ M, each a decimal from 0 to 65535 (leading zeros
/// allowed, no sign). Text after a second `-` is ignored, as Docker ignores it.
fn port_range(text: &str) -> Option<(u32, u32)> {
    let port = |s: &str| -> Option<u32> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u16>().ok().map(u32::from)
    };
    match text.split_once('-') {
        None => port(text).map(|p| (p, p)),
        Some((a, rest)) => {
            let b = rest.split('-').next().unwrap_or("");
            let (s, e) = (port(a)?, port(b)?);
            (s <= e).then_some((s, e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each case was built with Docker 20.10's BuildKit on a busybox image
    /// (`docker inspect -f '{{json .Config.ExposedPorts}}'` for the accepted).
    #[test]
    fn specs_as_buildkit_reads_them() {
        let ok = [
            ("80", vec!["80/tcp"]),
            ("080", vec!["80/tcp"]),
            ("80/TCP", vec!["80/tcp"]),
            ("80/Udp", vec!["80/udp"]),
            ("80/", vec!["80/tcp"]),
            ("80/udp/x", vec!["80/udp"]),
            ("0", vec!["0/tcp"]),
            ("8000-8002/UDP", vec!["8000/udp", "8001/udp", "8002/udp"]),
            ("80-81/sctp", vec!["80/sctp", "81/sctp"]),
            ("80:80", vec!["80/tcp"]),
            (":80", vec!["80/tcp"]),
            ("1.2.3.4:80:80", vec!["80/tcp"]),
            ("[::1]:90:90", vec!["90/tcp"]),
            ("8000-8002:80", vec!["80/tcp"]),
        ];
        for (spec, want) in ok {
            let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            assert_eq!(exposed_ports(spec), Ok(want), "{spec}");
        }
        let bad = [
            "80/xyz",
            "abc",
            "8010-8000",
            "70000",
            "/tcp",
            "-1",
            "1.2.3:80:80",
            "80:81-82",
            "80-81:90-92",
            "80::",
            "",
        ];
        for spec in bad {
            assert!(exposed_ports(spec).is_err(), "{spec}");
        }
    }
}

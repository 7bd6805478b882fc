//! IPv4 allowlist rules of custom robots (addresses and CIDR ranges).

use std::net::Ipv4Addr;

pub(super) fn parse_ipv4_rule(rule: &str) -> Option<(Ipv4Addr, u8)> {
    let rule = rule.trim();
    let (ip, bits) = match rule.split_once('/') {
        Some((ip, bits)) => (ip, bits.parse::<u8>().ok().filter(|b| *b <= 32)?),
        None => (rule, 32),
    };
    Some((ip.parse().ok()?, bits))
}

pub(crate) fn ip_allowed(rules: &[String], ip: Option<Ipv4Addr>) -> bool {
    if rules.is_empty() {
        return true;
    }
    let Some(ip) = ip else { return false };
    rules
        .iter()
        .filter_map(|r| parse_ipv4_rule(r))
        .any(|(net, bits)| {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            (u32::from(net) & mask) == (u32::from(ip) & mask)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_rules() {
        let rules = vec!["10.0.0.0/8".to_string(), "192.168.1.7".to_string()];
        assert!(ip_allowed(&rules, Some("10.2.3.4".parse().unwrap())));
        assert!(ip_allowed(&rules, Some("192.168.1.7".parse().unwrap())));
        assert!(!ip_allowed(&rules, Some("192.168.1.8".parse().unwrap())));
        assert!(!ip_allowed(&rules, None));
        assert!(ip_allowed(&[], None));
        assert!(ip_allowed(&["0.0.0.0/0".into()], Some(Ipv4Addr::LOCALHOST)));
    }
}

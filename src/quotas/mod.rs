//! Quotas: per project and per member, per service, per resource; the
//! tenant admin's quota page; and atomic admission of allocations against
//! them (used by the JSON API).

pub mod admission;
pub mod routes;
pub mod service;
pub mod store;
pub mod views;
pub mod writer;

use crate::web::router::Routes;

use crate::{error::AppError, web::i18n::Msg};

pub fn configure(r: &mut Routes) {
    r.get("/quota", routes::page)
        .get("/quota/members/{account_id}/edit", routes::edit_dialog)
        .post("/quota/members/{account_id}", routes::save)
        .post("/quota/allocations/{id}/release", routes::release);
}

/// The largest quota or request accepted: far beyond any real machine
/// room, small enough that sums never overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000;

/// A service that has quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuotaService {
    /// Container Compute Service.
    Ccs,
    /// Virtual Compute Service.
    Vcs,
    /// High-performance computing (Slurm): concurrent cores, GPUs and
    /// memory, as CCS.
    Hpc,
}

impl QuotaService {
    pub const ALL: [QuotaService; 3] = [QuotaService::Ccs, QuotaService::Vcs, QuotaService::Hpc];

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "ccs" => Some(QuotaService::Ccs),
            "vcs" => Some(QuotaService::Vcs),
            "hpc" => Some(QuotaService::Hpc),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            QuotaService::Ccs => "ccs",
            QuotaService::Vcs => "vcs",
            QuotaService::Hpc => "hpc",
        }
    }

    /// The service this is, among all the cloud's.
    pub fn service(self) -> crate::permissions::Service {
        match self {
            QuotaService::Ccs => crate::permissions::Service::Ccs,
            QuotaService::Vcs => crate::permissions::Service::Vcs,
            QuotaService::Hpc => crate::permissions::Service::Hpc,
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            QuotaService::Ccs => "service-ccs",
            QuotaService::Vcs => "service-vcs",
            QuotaService::Hpc => "service-hpc",
        }
    }

    pub fn resources(self) -> &'static [Resource] {
        match self {
            QuotaService::Ccs | QuotaService::Hpc => &[Resource::Cpu, Resource::Gpu, Resource::Memory],
            QuotaService::Vcs => &[Resource::Cpu, Resource::Gpu, Resource::Memory, Resource::FloatingIp],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Cpu,
    Gpu,
    Memory,
    FloatingIp,
}

impl Resource {
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "cpu" => Some(Resource::Cpu),
            "gpu" => Some(Resource::Gpu),
            "memory" => Some(Resource::Memory),
            "floating_ip" => Some(Resource::FloatingIp),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Resource::Cpu => "cpu",
            Resource::Gpu => "gpu",
            Resource::Memory => "memory",
            Resource::FloatingIp => "floating_ip",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Resource::Cpu => "resource-cpu",
            Resource::Gpu => "resource-gpu",
            Resource::Memory => "resource-memory",
            Resource::FloatingIp => "resource-floating-ip",
        }
    }

    /// The message key of the unit, with a `$n` argument.
    pub fn unit_key(self) -> &'static str {
        match self {
            Resource::Cpu => "unit-cores",
            Resource::Gpu => "unit-gpus",
            Resource::Memory => "unit-gib",
            Resource::FloatingIp => "unit-ips",
        }
    }
}

/// A quota as typed into a form: a whole number from 0, or -1 (or empty)
/// for unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimit(pub i64);

impl QuotaLimit {
    pub const UNLIMITED: QuotaLimit = QuotaLimit(-1);

    pub fn parse(raw: &str, field: &'static str) -> Result<Self, AppError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(QuotaLimit::UNLIMITED);
        }
        match raw.parse::<i64>() {
            Ok(value) if (-1..=MAX_AMOUNT).contains(&value) => Ok(QuotaLimit(value)),
            _ => Err(AppError::Invalid {
                field: field.into(),
                message: Msg::new("quota-invalid").arg("max", crate::format::grouped(MAX_AMOUNT)),
            }),
        }
    }

    pub fn is_unlimited(self) -> bool {
        self.0 < 0
    }

    /// Whether `amount` fits under this limit.
    pub fn allows(self, amount: i64) -> bool {
        self.is_unlimited() || amount <= self.0
    }
}

/// Usage against a limit, for one resource, as pages and the API show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gauge {
    pub resource: Resource,
    pub usage: i64,
    /// `None`: unlimited (for a member: no limit of their own).
    pub limit: Option<i64>,
}

impl Gauge {
    pub fn over(&self) -> bool {
        self.limit.is_some_and(|limit| self.usage > limit)
    }

    pub fn full(&self) -> bool {
        self.limit.is_some_and(|limit| self.usage >= limit)
    }

    /// The limit as the API reports it: -1 for unlimited.
    pub fn quota(&self) -> i64 {
        self.limit.unwrap_or(-1)
    }

    /// For a `<progress>` bar: the usage clamped to the limit.
    pub fn bar_value(&self) -> i64 {
        match self.limit {
            Some(limit) => self.usage.min(limit),
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_limits_are_whole_numbers_from_minus_one() {
        assert_eq!(QuotaLimit::parse("", "cpu").unwrap(), QuotaLimit::UNLIMITED);
        assert_eq!(QuotaLimit::parse("-1", "cpu").unwrap(), QuotaLimit::UNLIMITED);
        assert_eq!(QuotaLimit::parse(" 8 ", "cpu").unwrap(), QuotaLimit(8));
        for bad in ["-2", "1.5", "abc", "1e3", "99999999999", "٣"] {
            assert!(QuotaLimit::parse(bad, "cpu").is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn gauges_know_when_they_are_over() {
        let gauge = Gauge {
            resource: Resource::Gpu,
            usage: 9,
            limit: Some(8),
        };
        assert!(gauge.over() && gauge.full());
        assert_eq!(gauge.bar_value(), 8);
        let open = Gauge {
            resource: Resource::Gpu,
            usage: 9,
            limit: None,
        };
        assert!(!open.over());
        assert_eq!(open.quota(), -1);
    }
}

//! A short in-process cache of what every API request reads: a service's row with its API keys
//! (to verify the bearer token) and the current version of each template sent with. Notify's own
//! API keeps the same kind of few-seconds memory cache of services, keys and templates. Changes
//! made through this process's `Notify` clear the entry at once; changes made by another node or
//! process (a key revoked, a template edited there) show here within [`TTL`]. A key or template
//! that is not in a cached entry is looked up again before it is refused, so new ones work at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::auth::KeyType;
use crate::notify::Template;

/// How long an entry is trusted.
pub(crate) const TTL: Duration = Duration::from_secs(2);
/// Entries kept before the cache is emptied (it refills from the database).
const MAX_ENTRIES: usize = 10_000;

/// A service and its API keys, as token verification needs them.
#[derive(Debug, Clone)]
pub(crate) struct ServiceKeys {
    pub council_id: i64,
    pub name: String,
    pub keys: Vec<ApiKey>,
}

/// One API key of a service.
#[derive(Debug, Clone)]
pub(crate) struct ApiKey {
    pub id: String,
    pub key_type: KeyType,
    pub secret: String,
    pub revoked: bool,
}

struct Entry<T> {
    at: Instant,
    value: T,
}

type Shared<K, T> = Arc<Mutex<HashMap<K, Entry<T>>>>;

/// The cache; cheap to clone (shared).
#[derive(Clone, Default)]
pub(crate) struct Cache {
    services: Shared<String, Arc<ServiceKeys>>,
    templates: Shared<(String, Uuid), Template>,
}

fn fresh<K: std::hash::Hash + Eq, T: Clone>(map: &Mutex<HashMap<K, Entry<T>>>, key: &K) -> Option<T> {
    let map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    map.get(key).filter(|e| e.at.elapsed() < TTL).map(|e| e.value.clone())
}

fn keep<K: std::hash::Hash + Eq, T>(map: &Mutex<HashMap<K, Entry<T>>>, key: K, value: T) {
    let mut map = map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, Entry { at: Instant::now(), value });
}

impl Cache {
    /// The service's keys if read less than [`TTL`] ago.
    pub(crate) fn service(&self, service_id: &str) -> Option<Arc<ServiceKeys>> {
        fresh(&self.services, &service_id.to_string())
    }

    /// Remembers a service's keys as just read.
    pub(crate) fn keep_service(&self, service_id: &str, keys: Arc<ServiceKeys>) {
        keep(&self.services, service_id.to_string(), keys);
    }

    /// Forgets a service's keys (one was created or revoked here).
    pub(crate) fn forget_service(&self, service_id: &str) {
        self.services.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(service_id);
    }

    /// A template's current version if read less than [`TTL`] ago.
    pub(crate) fn template(&self, service_id: &str, template_id: Uuid) -> Option<Template> {
        fresh(&self.templates, &(service_id.to_string(), template_id))
    }

    /// Remembers a template's current version as just read.
    pub(crate) fn keep_template(&self, service_id: &str, template_id: Uuid, template: Template) {
        keep(&self.templates, (service_id.to_string(), template_id), template);
    }

    /// Forgets a template (a new version was made here).
    pub(crate) fn forget_template(&self, template_id: Uuid) {
        self.templates.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|(_, t), _| *t != template_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forgotten_service_is_read_again() {
        let cache = Cache::default();
        let keys = Arc::new(ServiceKeys { council_id: 1, name: "s".into(), keys: Vec::new() });
        cache.keep_service("a", keys);
        assert!(cache.service("a").is_some());
        assert!(cache.service("b").is_none());
        cache.forget_service("a");
        assert!(cache.service("a").is_none());
    }
}

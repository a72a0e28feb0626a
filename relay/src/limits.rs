//! Rate limits: a token bucket per key (an agent id, a routing code, a client IP, a session).
//! Buckets that have refilled are dropped, so memory stays bounded by recent activity.
//! [`ClientLimits`] gathers the limits anonymous clients meet (see `client_limits`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

pub struct RateLimiter {
    /// Attempts per `period`, also the burst allowed at once.
    per_period: u32,
    period: Duration,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_minute` attempts per key, refilled continuously; 0 disables the limit.
    pub fn new(per_minute: u32) -> Self {
        Self::per(per_minute, Duration::from_secs(60))
    }

    /// `per_second` attempts per key, refilled continuously; 0 disables the limit.
    pub fn per_second(per_second: u32) -> Self {
        Self::per(per_second, Duration::from_secs(1))
    }

    fn per(per_period: u32, period: Duration) -> Self {
        Self {
            per_period,
            period,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt for `key`; false when it has none left.
    pub fn allow(&self, key: &str) -> bool {
        if self.per_period == 0 {
            return true;
        }
        let capacity = self.per_period as f64;
        let rate = capacity / self.period.as_secs_f64();
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            let full = self.period;
            buckets.retain(|_, (_, at)| now.duration_since(*at) < full);
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn attempts_beyond_the_rate_wait_for_refill() {
        let limiter = RateLimiter::new(3);
        assert!((0..3).all(|_| limiter.allow("agent-1")));
        assert!(!limiter.allow("agent-1"));
        assert!(limiter.allow("agent-2"), "keys are independent");
        tokio::time::advance(Duration::from_secs(20)).await;
        assert!(
            limiter.allow("agent-1"),
            "one attempt back after a third of a minute"
        );
        assert!(!limiter.allow("agent-1"));
    }

    #[tokio::test(start_paused = true)]
    async fn per_second_limits_refill_within_the_second() {
        let limiter = RateLimiter::per_second(2);
        assert!(limiter.allow("") && limiter.allow(""));
        assert!(!limiter.allow(""));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(limiter.allow(""));
        assert!(!limiter.allow(""));
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0);
        assert!((0..1000).all(|_| limiter.allow("k")));
    }
}

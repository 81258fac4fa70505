package io.aisix.plugin.ratelimit;

/** Rate limits with process-local counters ({@code ratelimit.backend: memory}). */
class RateLimitMemoryIT extends RateLimitScenarios {
    @Override
    String backendYaml() {
        return "ratelimit: { backend: memory }\n";
    }
}

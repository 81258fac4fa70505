package io.aisix.dist;

import io.aisix.kernel.plugin.PluginRegistry;
import io.aisix.kernel.plugin.ResourceKinds;
import io.aisix.kernel.testsupport.SchemaCorpus;
import io.aisix.spi.resource.ResourceKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The resource kinds the cache, rate-limit and observe plugins own ({@code cache_policies},
 * {@code rate_limit_policies}, {@code observability_exporters}): their published schemas and their
 * validators agree on a corpus, as the kernel's kinds do (SchemaAgreementTest), and a cache policy
 * may name any cache backend id (a plugin's included), not only {@code memory} and {@code redis}.
 */
class PluginResourceKindsSchemaTest {
    private static final List<String> NAMES = List.of("cache_policies", "observability_exporters",
            "rate_limit_policies");

    /** kind | row | valid? */
    private static final String ROWS = """
            cache_policies | {"name":"c"} | valid
            cache_policies | {"name":"c","backend":"redis","ttl_seconds":5,"applies_to":"model:x","scope":"env","purge_generation":3} | valid
            cache_policies | {"name":"c","ttl_seconds":0} | invalid
            cache_policies | {"name":"c","backend":"disk"} | valid
            cache_policies | {"name":"c","backend":"Disk drive"} | invalid
            cache_policies | {"name":"c","applies_to":"team:x"} | invalid
            cache_policies | {"name":"c","scope":"global"} | invalid
            cache_policies | {"name":"c","enabled":"y"} | invalid
            observability_exporters | {"name":"e","kind":"file","path":"/tmp/x"} | valid
            observability_exporters | {"name":"e","kind":"otlp_http","endpoint":"http://x","sample_rate":0.5,"content_mode":"full","batch_size":10,"flush_interval_ms":5} | valid
            observability_exporters | {"name":"e","kind":"a_plugins_kind"} | valid
            observability_exporters | {"name":"e","kind":"otlp_http"} | invalid
            observability_exporters | {"name":"e","kind":"file"} | invalid
            observability_exporters | {"name":"e","kind":"file","path":"/x","sample_rate":2} | invalid
            observability_exporters | {"name":"e","kind":"file","path":"/x","content_mode":"all"} | invalid
            observability_exporters | {"name":"e","kind":"file","path":"/x","batch_size":0} | invalid
            observability_exporters | {"name":"e","kind":"file","path":"/x","max_bytes":1048576,"max_files":3,"content_max_bytes":4096,"timeout_ms":500} | valid
            observability_exporters | {"name":"e","kind":"file","path":"/x","max_bytes":10} | invalid
            observability_exporters | {"name":"e","kind":"http_log","endpoint":"http://x","timeout_ms":"soon"} | invalid
            observability_exporters | {"name":"e","kind":"otlp_http","endpoint":"http://x","content_max_bytes":0} | invalid
            rate_limit_policies | {"name":"r","max_requests":5} | valid
            rate_limit_policies | {"name":"r","scope":"model","scope_ref":"x","window":"day","max_tokens":100} | valid
            rate_limit_policies | {"name":"r"} | invalid
            rate_limit_policies | {"name":"r","max_requests":0} | invalid
            rate_limit_policies | {"name":"r","max_requests":1,"window":"week"} | invalid
            rate_limit_policies | {"name":"r","max_requests":1,"scope":"org"} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":["sat","sun"],"start_time":"00:00","end_time":"24:00","timezone":"Europe/Paris"}]} | valid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"dates":["2026-12-25"],"start_time":"22:00","end_time":"09:00","timezone":"UTC"},{"days_of_week":["mon"],"start_time":"12:00","end_time":"13:30","timezone":"Asia/Shanghai"}]} | valid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[]} | valid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":{"days_of_week":["mon"]}} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"start_time":"00:00","end_time":"01:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":["mon"],"dates":["2026-01-01"],"start_time":"00:00","end_time":"01:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":[],"start_time":"00:00","end_time":"01:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":["funday"],"start_time":"00:00","end_time":"01:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":"mon","start_time":"00:00","end_time":"01:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"dates":[],"start_time":"00:00","end_time":"01:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"dates":["25/12/2026"],"start_time":"00:00","end_time":"01:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"dates":["2026-02-30"],"start_time":"00:00","end_time":"01:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":["mon"],"start_time":"24:00","end_time":"01:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":["mon"],"start_time":"9:00","end_time":"10:00","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":["mon"],"start_time":"09:00","end_time":"24:01","timezone":"UTC"}]} | invalid
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":["mon"],"start_time":"09:00","end_time":"10:00"}]} | invalid
            rate_limit_policies | {"name":"r","schedules":[{"days_of_week":["mon"],"start_time":"09:00","end_time":"10:00","timezone":"UTC"}]} | invalid
            """;

    /** A schedule's time zone must be one the JDK knows, which no pattern says. kind | row | who accepts it */
    private static final String KNOWN_DIFFERENCES = """
            rate_limit_policies | {"name":"r","max_requests":5,"schedules":[{"days_of_week":["mon"],"start_time":"09:00","end_time":"10:00","timezone":"Mars/Base"}]} | schema
            """;

    private static Map<String, ResourceKind<?>> kinds() {
        Map<String, ResourceKind<?>> out = new LinkedHashMap<>();
        for (ResourceKind<?> k : ResourceKinds.offline(PluginRegistry.load(null,
                PluginResourceKindsSchemaTest.class.getClassLoader()))) {
            if (NAMES.contains(k.name())) {
                out.put(k.name(), k);
            }
        }
        return out;
    }

    @Test
    void schemasAndValidatorsAgreeOnTheCorpus() {
        SchemaCorpus.agree(kinds(), ROWS);
        SchemaCorpus.differExactly(kinds(), KNOWN_DIFFERENCES);
    }

    @Test
    void eachPublishesASchemaNamingTheFieldsItReads() {
        for (ResourceKind<?> k : kinds().values()) {
            SchemaCorpus.namesTheFieldsItReads(k, Set.of());
        }
    }
}

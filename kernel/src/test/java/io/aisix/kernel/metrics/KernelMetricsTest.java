package io.aisix.kernel.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KernelMetricsTest {
    final KernelMetrics m = new KernelMetrics();

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void countersHistogramsAndGaugesRenderAsPrometheusText() {
        m.increment("aisix_test_requests_total", "route", "/v1/chat/completions", "status", "200");
        m.add("aisix_test_requests_total", 2, "status", "200", "route", "/v1/chat/completions"); // other order
        m.observe("aisix_test_duration_seconds", 0.2, "model", "m1");
        AtomicInteger inFlight = new AtomicInteger(3);
        m.gauge("aisix_test_in_flight", inFlight::get);
        String text = m.scrape();
        assertTrue(text.contains("# TYPE aisix_test_requests_total counter"), text);
        assertTrue(text.matches("(?s).*aisix_test_requests_total\\{route=\"/v1/chat/completions\",scope=\"application\","
                + "status=\"200\",?} 3\\.0.*"), text);
        assertTrue(text.contains("# TYPE aisix_test_duration_seconds histogram"), text);
        assertTrue(text.matches("(?s).*aisix_test_duration_seconds_bucket\\{model=\"m1\",.*le=\"0\\.25\",?} 1\\.0.*"), text);
        assertTrue(text.matches("(?s).*aisix_test_duration_seconds_bucket\\{model=\"m1\",.*le=\"120\\.0\",?} 1\\.0.*"), text);
        assertFalse(text.contains("quantile="), "no client-side percentiles: " + text);
        assertTrue(text.matches("(?s).*aisix_test_in_flight\\{[^}]*} 3\\.0.*"), text);
        inFlight.set(5);
        assertTrue(m.scrape().matches("(?s).*aisix_test_in_flight\\{[^}]*} 5\\.0.*"));
        m.gauge("aisix_test_in_flight", () -> 9); // same name and labels: replaced
        assertTrue(m.scrape().matches("(?s).*aisix_test_in_flight\\{[^}]*} 9\\.0.*"));
    }

    @Test
    void thePrometheusRegistrySamplesNoExemplars() throws Exception {
        m.increment("aisix_test_exemplars_total");
        // Helidon 4.5 gives the registry an exemplar sampler (which reads the clock on every
        // update) unless its publisher is configured: KernelMetrics configures it
        assertEquals("true", System.getProperty(KernelMetrics.PROMETHEUS_PUBLISHER));
        int prometheus = 0;
        for (var r : io.micrometer.core.instrument.Metrics.globalRegistry.getRegistries()) {
            if (r.getClass().getName().equals("io.micrometer.prometheus.PrometheusMeterRegistry")) {
                prometheus++;
                var f = r.getClass().getDeclaredField("exemplarSampler");
                f.setAccessible(true);
                assertEquals(null, f.get(r), "the exemplar sampler of " + r);
            }
        }
        assertEquals(1, prometheus, "one Prometheus registry");
    }

    @Test
    void misuseIsIgnoredInsteadOfThrowing() {
        m.increment("aisix_test_mixed_total", "a", "1");
        m.increment("aisix_test_mixed_total", "b", "1");          // other label names
        m.increment("aisix_test_mixed_total", "a");               // odd label list
        m.observe("aisix_test_mixed_total", 1.0, "a", "1");       // other type
        m.add("aisix_test_mixed_total", -5, "a", "1");            // negative
        assertEquals(1, m.counterValue("aisix_test_mixed_total", "a", "1"));
    }

    @Test
    void eachSeriesKeepsItsOwnCountPastTheLookUpTableAndInEitherLabelOrder() {
        int series = 1100; // more than the table that spares the look-up a key holds (1024)
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < series; i++) {
                String model = "m" + i; // a new string each time: matched by value, not identity
                String type = i % 2 == 0 ? "prompt" : "completion";
                m.increment("aisix_test_many_total", "model", model, "type", type);
                m.add("aisix_test_many_total", 2, "type", type, "model", model); // other order
            }
        }
        for (int i = 0; i < series; i += 7) {
            assertEquals(9, m.counterValue("aisix_test_many_total", "model", "m" + i, "type",
                    i % 2 == 0 ? "prompt" : "completion"), "series " + i);
        }
        m.increment("aisix_test_empty_total", "model", null);
        m.increment("aisix_test_empty_total", "model", "");
        m.increment("aisix_test_empty_total", "model", null);
        assertEquals(3, m.counterValue("aisix_test_empty_total", "model", ""));
    }

    @Test
    void fractionsAreCarriedUntilTheyMakeAWholeUnit() {
        for (int i = 0; i < 10; i++) {
            m.add("aisix_test_frac_total", 0.25);
        }
        assertEquals(2, m.counterValue("aisix_test_frac_total"));
    }

    @Test
    void closeRemovesTheSeriesOfThisInstance() {
        m.increment("aisix_test_closed_total", "x", "y");
        assertTrue(m.scrape().contains("aisix_test_closed_total"));
        m.close();
        assertFalse(m.scrape().contains("aisix_test_closed_total"));
        KernelMetrics next = new KernelMetrics();
        try {
            next.increment("aisix_test_closed_total", "x", "y");
            assertEquals(1, next.counterValue("aisix_test_closed_total", "x", "y"), "a new gateway starts from zero");
        } finally {
            next.close();
        }
    }

    @Test
    void aDetachedInstanceRecordsButNoneOfItsSeriesIsScraped() {
        m.increment("aisix_test_detached_total", "a", "1");
        KernelMetrics d = KernelMetrics.detached();
        try {
            d.increment("aisix_test_detached_total", "a", "1"); // the gateway's name and labels
            d.add("aisix_test_detached_total", 2, "a", "1");
            d.add("aisix_test_detached_total", 0.5, "a", "2");
            d.observe("aisix_test_detached_seconds", 0.2, "m", "1");
            d.observe("aisix_test_detached_bytes", 300, "m", "1");
            d.gauge("aisix_test_detached_gauge", () -> 7);
            assertEquals(3, d.counterValue("aisix_test_detached_total", "a", "1"), "it records");
            String text = m.scrape();
            assertFalse(text.contains(KernelMetrics.DETACHED_PREFIX), text);
            assertFalse(text.contains("aisix_test_detached_seconds"), text);
            assertFalse(text.contains("aisix_test_detached_bytes"), text);
            assertFalse(text.contains("aisix_test_detached_gauge"), text);
            assertEquals(1, m.counterValue("aisix_test_detached_total", "a", "1"), "the gateway's series is its own");
            assertTrue(text.matches("(?s).*aisix_test_detached_total\\{a=\"1\",[^}]*} 1\\.0.*"), text);
        } finally {
            d.close();
        }
        assertTrue(m.scrape().contains("aisix_test_detached_total{"), "closing a detached instance leaves the gateway's");
    }

    @Test
    void aScrapeNeverSeesADetachedSeriesBeingCreated() throws Exception {
        KernelMetrics d = KernelMetrics.detached();
        AtomicInteger done = new AtomicInteger();
        Thread creator = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 2_000; i++) {
                d.increment("aisix_test_racing_total", "i", Integer.toString(i));
            }
            done.set(1);
        });
        try {
            int scrapes = 0;
            while (done.get() == 0 || scrapes == 0) {
                assertFalse(m.scrape().contains(KernelMetrics.DETACHED_PREFIX), "scrape " + scrapes);
                scrapes++;
            }
            creator.join();
            assertEquals(1, d.counterValue("aisix_test_racing_total", "i", "1999"));
        } finally {
            d.close();
        }
    }
}

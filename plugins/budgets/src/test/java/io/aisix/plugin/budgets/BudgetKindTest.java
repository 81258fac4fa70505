package io.aisix.plugin.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.support.Json;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code budgets} rows: defaults, every refused field, the schema, and period arithmetic. */
class BudgetKindTest {
    private static final BudgetKind KIND = new BudgetKind();

    private static JsonNode json(String s) {
        try {
            return Json.mapper().readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Budget decode(String row) {
        return KIND.decode("b1", json(row));
    }

    private static List<String> problems(String row) {
        ValidationException e = assertThrows(ValidationException.class, () -> decode(row));
        return e.issues().stream().map(ValidationIssue::path).toList();
    }

    @Test
    void defaultsAreAHardMonthlyGlobalCapInUtc() {
        Budget b = decode("{\"name\":\"all\",\"max_usd\":100}");
        assertEquals("month", b.period());
        assertEquals(ZoneId.of("UTC"), b.zone());
        assertEquals("global", b.scope());
        assertEquals(Optional.empty(), b.scopeRef());
        assertTrue(b.hard() && b.enabled());
        assertEquals(100_000_000_000L, b.capNanoUsd());
        assertEquals(Optional.of("all"), KIND.uniqueName(b));
    }

    @Test
    void everyFieldRead() {
        Budget b = decode("{\"name\":\"team-a\",\"max_usd\":12.5,\"period\":\"week\",\"timezone\":\"Europe/Berlin\","
                + "\"scope\":\"team\",\"scope_ref\":\"a\",\"mode\":\"warn\",\"enabled\":false,\"note\":\"x\"}");
        assertEquals(12_500_000_000L, b.capNanoUsd());
        assertEquals("week", b.period());
        assertEquals(ZoneId.of("Europe/Berlin"), b.zone());
        assertEquals(Optional.of("a"), b.scopeRef());
        assertFalse(b.hard() || b.enabled());
        assertEquals(List.of("note"), KIND.ignoredFields(json("{\"name\":\"x\",\"note\":1}")));
    }

    @Test
    void badRowsNameEveryProblem() {
        assertEquals(List.of("/name", "/max_usd"), problems("{}"));
        assertEquals(List.of("/max_usd"), problems("{\"name\":\"x\",\"max_usd\":0}"));
        assertEquals(List.of("/max_usd"), problems("{\"name\":\"x\",\"max_usd\":-1}"));
        assertEquals(List.of("/max_usd"), problems("{\"name\":\"x\",\"max_usd\":\"10\"}"));
        assertEquals(List.of("/max_usd"), problems("{\"name\":\"x\",\"max_usd\":1e10}"));
        assertEquals(List.of("/period"), problems("{\"name\":\"x\",\"max_usd\":1,\"period\":\"year\"}"));
        assertEquals(List.of("/timezone"), problems("{\"name\":\"x\",\"max_usd\":1,\"timezone\":\"Mars/Olympus\"}"));
        assertEquals(List.of("/scope"), problems("{\"name\":\"x\",\"max_usd\":1,\"scope\":\"user\"}"));
        assertEquals(List.of("/scope_ref"), problems("{\"name\":\"x\",\"max_usd\":1,\"scope_ref\":\"k\"}"));
        assertEquals(List.of("/mode"), problems("{\"name\":\"x\",\"max_usd\":1,\"mode\":\"soft\"}"));
        assertEquals(List.of("/enabled"), problems("{\"name\":\"x\",\"max_usd\":1,\"enabled\":\"yes\"}"));
        assertEquals(List.of(""), problems("[1]"));
    }

    @Test
    void theSchemaListsTheFields() {
        JsonNode schema = KIND.schema().orElseThrow();
        for (String f : List.of("name", "max_usd", "period", "timezone", "scope", "scope_ref", "mode", "enabled")) {
            assertTrue(schema.path("properties").has(f), f + " in " + schema);
        }
        assertEquals(List.of("name", "max_usd"), Json.mapper().convertValue(schema.path("required"), List.class));
        assertTrue(schema.at("/properties/period/enum").toString().startsWith("[\"day\",\"week\",\"month\""), schema.toString());
    }

    @Test
    void periodsStartAtLocalMidnightAndWeeksOnMonday() {
        Budget day = decode("{\"name\":\"d\",\"max_usd\":1,\"period\":\"day\",\"timezone\":\"Asia/Shanghai\"}");
        // 2026-12-06T20:00Z is 04:00 on the 7th in Shanghai
        Instant now = Instant.parse("2026-12-06T20:00:00Z");
        assertEquals(Instant.parse("2026-12-06T16:00:00Z"), day.periodStart(now).toInstant());
        assertEquals(Instant.parse("2026-12-07T16:00:00Z"), day.periodEnd(day.periodStart(now)).toInstant());
        Budget week = decode("{\"name\":\"w\",\"max_usd\":1,\"period\":\"week\"}");
        // Sunday 2026-12-06 belongs to the week of Monday 2026-11-30
        assertEquals(Instant.parse("2026-11-30T00:00:00Z"), week.periodStart(now).toInstant());
        assertEquals(Instant.parse("2026-12-07T00:00:00Z"), week.periodEnd(week.periodStart(now)).toInstant());
        Budget month = decode("{\"name\":\"m\",\"max_usd\":1,\"timezone\":\"America/New_York\"}");
        Instant jan = Instant.parse("2027-01-01T03:00:00Z"); // still December 31st in New York
        assertEquals(Instant.parse("2026-12-01T05:00:00Z"), month.periodStart(jan).toInstant());
        assertEquals(Instant.parse("2027-01-01T05:00:00Z"), month.periodEnd(month.periodStart(jan)).toInstant());
    }

    @Test
    void dollarsAreShownToTheCentOrToMicroDollarsWhenSmall() {
        assertEquals("12.50", BudgetFilter.usd(12_500_000_000L));
        assertEquals("0.000013", BudgetFilter.usd(13_000L));
        assertEquals("0.00", BudgetFilter.usd(0));
    }
}

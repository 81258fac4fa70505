package io.aisix.plugin.guardrailpii;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aisix.spi.PluginContext;
import io.aisix.spi.guardrail.GuardrailCheck.Phase;
import io.aisix.spi.guardrail.GuardrailCheck.Verdict;
import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.spi.resource.ValidationException;
import io.aisix.spi.resource.ValidationIssue;
import io.aisix.support.guardrail.GuardrailsKind;
import io.aisix.testkit.TestPluginContext;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PiiGuardrailKindTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PluginContext CONTEXT = new TestPluginContext();

    private static GuardrailCheck compile(String fields) throws Exception {
        return new PiiGuardrailKind().compile(GuardrailsKind.KIND.decode("g1", JSON.readTree(
                "{\"name\":\"pii\",\"kind\":\"pii\"," + fields + "}")), CONTEXT);
    }

    private static GuardrailCheck detector(String type) throws Exception {
        return compile("\"detectors\":[{\"type\":\"" + type + "\",\"action\":\"mask\"}]");
    }

    private static String mask(String type, String text) throws Exception {
        return detector(type).check(text, Phase.INPUT).masked();
    }

    private static List<ValidationIssue> issues(String fields) {
        return assertThrows(ValidationException.class, () -> compile(fields)).issues();
    }

    // --- email ---

    @Test
    void emailIsMasked() throws Exception {
        assertEquals("write to [EMAIL_REDACTED] today", mask("email", "write to jane.doe+tag@mail.example.co.uk today"));
        assertEquals("<[EMAIL_REDACTED]>", mask("email", "<a_b%c@x-y.io>"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"not an email: user@localhost", "twitter @handle", "a@b.c", "x@@example.com"})
    void emailNegatives(String text) throws Exception {
        assertFalse(detector("email").check(text, Phase.INPUT).hit(), text);
    }

    // --- phone ---

    @ParameterizedTest
    @ValueSource(strings = {"+1 (415) 555-0100", "415-555-0100", "(415) 555 0100", "+44 20 7946 0958", "415.555.0100",
            "+49 30 1234567", "4155550100"})
    void phoneIsMasked(String phone) throws Exception {
        assertEquals("call [PHONE_REDACTED] now", mask("phone", "call " + phone + " now"), phone);
    }

    @ParameterizedTest
    @ValueSource(strings = {"on 2024-01-15 at noon", "version 10.15.7", "code 12345", "ip 192.168.100.200",
            "card 4111 1111 1111 1111", "ssn 123-45-6789", "pi 3.14159"})
    void phoneNegatives(String text) throws Exception {
        assertFalse(detector("phone").check(text, Phase.INPUT).hit(), text);
    }

    // --- credit_card (Luhn) ---

    @ParameterizedTest
    @ValueSource(strings = {"4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004",
            "3782 822463 10005", "6011000990139424"})
    void validCardsAreMasked(String card) throws Exception {
        assertEquals("pay with [CREDIT_CARD_REDACTED].", mask("credit_card", "pay with " + card + "."), card);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4111 1111 1111 1112", "1234567812345678", "4111111111111", "41111111111111111111111"})
    void cardsFailingLuhnOrLengthAreNotMasked(String digits) throws Exception {
        assertFalse(detector("credit_card").check("number " + digits, Phase.INPUT).hit(), digits);
    }

    @Test
    void bankCardIsAcceptedAsAnAliasOfCreditCard() throws Exception {
        GuardrailCheck c = compile("\"detectors\":[{\"type\":\"bank_card\"}]");
        assertEquals("[BANK_CARD_REDACTED]", c.check("4111111111111111", Phase.INPUT).masked());
    }

    // --- us_ssn ---

    @Test
    void ssnIsMasked() throws Exception {
        assertEquals("ssn [US_SSN_REDACTED]", mask("us_ssn", "ssn 123-45-6789"));
        assertEquals("ssn [US_SSN_REDACTED]", mask("us_ssn", "ssn 123 45 6789"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000", "123-45 6789",
            "123456789", "1123-45-6789"})
    void ssnNegatives(String text) throws Exception {
        assertFalse(detector("us_ssn").check(text, Phase.INPUT).hit(), text);
    }

    // --- ip_address ---

    @ParameterizedTest
    @ValueSource(strings = {"192.168.1.10", "8.8.8.8", "255.255.255.255", "2001:db8::1", "::1", "fe80::1ff:fe23:4567:890a",
            "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "::ffff:192.168.1.1"})
    void ipAddressesAreMasked(String ip) throws Exception {
        assertEquals("from [IP_ADDRESS_REDACTED].", mask("ip_address", "from " + ip + "."), ip);
    }

    @ParameterizedTest
    @ValueSource(strings = {"999.1.1.1", "1.2.3", "1.2.3.4.5", "at 10:30:45", "std::vector", "mac 00:1A:2B:3C:4D:5E",
            "1:2:3:4:5:6:7:8:9", "2001:db8::1::2", "v1.2.3.4x"})
    void ipNegatives(String text) throws Exception {
        assertFalse(detector("ip_address").check(text, Phase.INPUT).hit(), text);
    }

    // --- api_key ---

    @ParameterizedTest
    @ValueSource(strings = {"sk-proj-abcdefghijklmnopqrstuvwxyz0123", "sk-ant-api03-abcdefghijklmnopqrstu",
            "AKIAIOSFODNN7EXAMPLE", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "xoxb-1234567890-abcdefghij",
            "AIzaSyA1234567890abcdefghijklmnopqrstuv", "sk_live_abcdefghijklmnop1234", "glpat-abcdefghijklmnopqrst"})
    void apiKeysAreMasked(String key) throws Exception {
        assertEquals("key=[API_KEY_REDACTED] end", mask("api_key", "key=" + key + " end"), key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sk-short", "task-abcdefghijklmnopqrstuvwxyz", "AKIA123", "the word skeleton"})
    void apiKeyNegatives(String text) throws Exception {
        assertFalse(detector("api_key").check(text, Phase.INPUT).hit(), text);
    }

    // --- jwt ---

    @Test
    void jwtIsMasked() throws Exception {
        String jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assertEquals("Bearer [JWT_REDACTED]", mask("jwt", "Bearer " + jwt));
        assertFalse(detector("jwt").check("eyJhbGciOiJIUzI1NiJ9 alone", Phase.INPUT).hit());
    }

    // --- private_key ---

    @Test
    void privateKeyBlockIsMaskedWhole() throws Exception {
        String pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabcDEF==\n-----END RSA PRIVATE KEY-----";
        assertEquals("key:\n[PRIVATE_KEY_REDACTED]\nthanks", mask("private_key", "key:\n" + pem + "\nthanks"));
        assertEquals("[PRIVATE_KEY_REDACTED]", mask("private_key",
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END OPENSSH PRIVATE KEY-----"));
    }

    @Test
    void unterminatedPrivateKeyIsMaskedToTheEnd() throws Exception {
        assertEquals("here: [PRIVATE_KEY_REDACTED]",
                mask("private_key", "here: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC"));
        assertFalse(detector("private_key").check("-----BEGIN PUBLIC KEY-----\nMIIB", Phase.INPUT).hit());
    }

    // --- iban (mod 97) ---

    @ParameterizedTest
    @ValueSource(strings = {"DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32",
            "FR14 2004 1010 0505 0001 3M02 606"})
    void validIbansAreMasked(String iban) throws Exception {
        assertEquals("iban [IBAN_REDACTED] thanks", mask("iban", "iban " + iban + " thanks"), iban);
    }

    @Test
    void ibanFollowedByCapitalsIsShortenedToTheValidPart() throws Exception {
        assertEquals("[IBAN_REDACTED] AND MORE", mask("iban", "DE89 3704 0044 0532 0130 00 AND MORE"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"DE89 3704 0044 0532 0130 01", "GB82 WEST 1234 5698 7654 33", "DE00 0000 0000 0000",
            "XX12 ABC"})
    void ibansFailingMod97AreNotMasked(String text) throws Exception {
        assertFalse(detector("iban").check(text, Phase.INPUT).hit(), text);
    }

    // --- composition ---

    @Test
    void blockActionRefusesTheText() throws Exception {
        GuardrailCheck c = compile("\"detectors\":[{\"type\":\"email\",\"action\":\"mask\"},{\"type\":\"us_ssn\",\"action\":\"block\"}]");
        Verdict v = c.check("a@example.com and 123-45-6789", Phase.INPUT);
        assertTrue(v.block());
        Verdict masked = c.check("a@example.com only", Phase.INPUT);
        assertFalse(masked.block());
        assertEquals("[EMAIL_REDACTED] only", masked.masked());
    }

    @Test
    void defaultActionAppliesToDetectorsWithoutOne() throws Exception {
        GuardrailCheck c = compile("\"default_action\":\"block\",\"detectors\":[{\"type\":\"email\"}]");
        assertTrue(c.check("x@example.com", Phase.OUTPUT).block());
    }

    @Test
    void severalDetectorsMaskInOnePass() throws Exception {
        GuardrailCheck c = compile("\"detectors\":[{\"type\":\"phone\"},{\"type\":\"email\"},{\"type\":\"ip_address\"},"
                + "{\"type\":\"credit_card\"}]");
        assertEquals("mail [EMAIL_REDACTED], call [PHONE_REDACTED], host [IP_ADDRESS_REDACTED], card [CREDIT_CARD_REDACTED]",
                c.check("mail bob@example.com, call +1 415 555 0100, host 10.0.0.1, card 4111 1111 1111 1111",
                        Phase.INPUT).masked());
    }

    @Test
    void customPatternsMaskUnderTheirName() throws Exception {
        GuardrailCheck c = compile("\"custom_patterns\":[{\"name\":\"employee_id\",\"regex\":\"EMP-\\\\d{6}\"},"
                + "{\"name\":\"project\",\"regex\":\"(?i)project falcon\",\"action\":\"block\"}]");
        assertEquals("id [EMPLOYEE_ID_REDACTED]", c.check("id EMP-123456", Phase.INPUT).masked());
        assertTrue(c.check("about PROJECT FALCON", Phase.INPUT).block());
        assertEquals(Verdict.pass("nothing"), c.check("nothing", Phase.INPUT));
    }

    @Test
    void catastrophicCustomPatternFailsClosed() throws Exception {
        GuardrailCheck c = compile("\"custom_patterns\":[{\"name\":\"bad\",\"regex\":\"((a)\\\\2?)+b\"}]");
        assertTrue(c.check("a".repeat(60) + "!", Phase.INPUT).block());
    }

    // --- validation ---

    @Test
    void validationNamesTheField() {
        assertEquals("/detectors", issues("\"detectors\":[]").get(0).path());
        assertEquals("/detectors", issues("\"default_action\":\"mask\"").get(0).path());
        List<ValidationIssue> unknown = issues("\"detectors\":[{\"type\":\"email\"},{\"type\":\"passport\"}]");
        assertEquals("/detectors/1/type", unknown.get(0).path());
        assertTrue(unknown.get(0).message().startsWith("must be one of [private_key, jwt, "), unknown.get(0).message());
        assertEquals("/detectors/0/action", issues("\"detectors\":[{\"type\":\"email\",\"action\":\"drop\"}]").get(0).path());
        assertEquals("/detectors/1/type", issues("\"detectors\":[{\"type\":\"email\"},{\"type\":\"email\"}]").get(0).path());
        assertEquals("/custom_patterns/0/regex",
                issues("\"custom_patterns\":[{\"name\":\"x\",\"regex\":\"[unclosed\"}]").get(0).path());
        assertEquals("/custom_patterns/0/name", issues("\"custom_patterns\":[{\"regex\":\"x\"}]").get(0).path());
        assertEquals("/custom_patterns/0/name",
                issues("\"custom_patterns\":[{\"name\":\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\",\"regex\":\"x\"}]").get(0).path());
        assertEquals("/custom_patterns/0/replacement", issues(
                "\"custom_patterns\":[{\"name\":\"x\",\"regex\":\"x\",\"action\":\"block\",\"replacement\":\"*\"}]").get(0).path());
        assertEquals("/default_action", issues("\"default_action\":\"nope\",\"detectors\":[{\"type\":\"email\"}]").get(0).path());
        assertEquals("/max_buffer_bytes", issues("\"max_buffer_bytes\":0,\"detectors\":[{\"type\":\"email\"}]").get(0).path());
        assertEquals("/max_buffer_bytes", issues("\"max_buffer_bytes\":\"1MB\",\"detectors\":[{\"type\":\"email\"}]")
                .get(0).path());
        assertEquals("/on_buffer_exceeded", issues("\"on_buffer_exceeded\":\"drop\",\"detectors\":[{\"type\":\"email\"}]")
                .get(0).path());
    }

    // --- AISIX's configuration ---

    @Test
    void aisixRowWithPerDetectorActionsMasksWithItsTokens() throws Exception {
        GuardrailCheck c = compile("""
                "hook_point":"both","default_action":"mask","max_buffer_bytes":262144,"on_buffer_exceeded":"fail_closed",
                "detectors":[{"type":"email"},{"type":"bank_card","action":"mask"},{"type":"china_mobile"},
                {"type":"private_key","action":"block"}],
                "custom_patterns":[{"name":"Employee ID","regex":"EMP-\\\\d{6}"}]""");
        assertEquals("[EMAIL_REDACTED], [BANK_CARD_REDACTED], [CHINA_MOBILE_REDACTED], [EMPLOYEE_ID_REDACTED]",
                c.check("a.b@example.com, 4111 1111 1111 1111, 13812345678, EMP-123456", Phase.INPUT).masked());
        assertTrue(c.check("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----", Phase.OUTPUT).block());
        assertEquals(java.util.OptionalLong.of(262144), c.maxStreamBytes());
        assertTrue(c.failClosedPastBuffer());
        GuardrailCheck open = compile("\"max_buffer_bytes\":4096,\"on_buffer_exceeded\":\"fail_open\",\"detectors\":[{\"type\":\"email\"}]");
        assertEquals(java.util.OptionalLong.of(4096), open.maxStreamBytes());
        assertFalse(open.failClosedPastBuffer());
        assertEquals(java.util.OptionalLong.of(262144), compile("\"detectors\":[{\"type\":\"email\"}]").maxStreamBytes(),
                "AISIX's default");
    }

    @Test
    void chinaIdCardNeedsItsCheckCharacter() throws Exception {
        assertEquals("id [CHINA_ID_CARD_REDACTED].", mask("china_id_card", "id 11010519491231002X."));
        assertFalse(detector("china_id_card").check("id 110105194912310021.", Phase.INPUT).hit());
    }

    @Test
    void replacementIsLiteralAndMayRemoveTheSpan() throws Exception {
        GuardrailCheck c = compile("\"custom_patterns\":[{\"name\":\"code\",\"regex\":\"X-\\\\d+\",\"replacement\":\"***\"},"
                + "{\"name\":\"gone\",\"regex\":\"secret \",\"replacement\":\"\"}]");
        assertEquals("code *** and word", c.check("code X-42 and secret word", Phase.INPUT).masked());
    }

    @Test
    void aCaptureGroupMasksOnlyTheGroup() throws Exception {
        GuardrailCheck c = compile("\"custom_patterns\":[{\"name\":\"version\","
                + "\"regex\":\"\\\"version\\\"\\\\s*:\\\\s*\\\"([^\\\"]*)\\\"\"}]");
        assertEquals("{\"version\": \"[VERSION_REDACTED]\", \"name\": \"x\"}",
                c.check("{\"version\": \"12.1\", \"name\": \"x\"}", Phase.INPUT).masked());
    }
}

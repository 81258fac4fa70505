package io.aisix.kernel.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aisix.spi.Endpoint;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestValidatorTest {
    final RequestValidator v = new RequestValidator(16, 50);

    private GatewayException refused(Endpoint e, String body) {
        return assertThrows(GatewayException.class, () -> v.validate(e, body.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"messages\":\"hi\"}          | messages",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"messages\":null}          | messages",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"messages\":{}}            | messages",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"messages\":[\"hi\"]}       | messages",
            "MESSAGES         | {\"model\":\"m\",\"messages\":7}             | messages",
            "COUNT_TOKENS     | {\"model\":\"m\",\"messages\":7}             | messages",
            "CHAT_COMPLETIONS | {\"model\":null}                              | model",
            "CHAT_COMPLETIONS | {\"model\":\"\"}                               | model",
            "EMBEDDINGS       | {\"model\":[\"m\"]}                            | model",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"stream\":\"true\"}         | stream",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"max_tokens\":-5}           | max_tokens",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"max_tokens\":0}            | max_tokens",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"max_tokens\":99999999999}  | max_tokens",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"max_tokens\":1.5}          | max_tokens",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"max_tokens\":\"10\"}       | max_tokens",
            "RESPONSES        | {\"model\":\"m\",\"max_output_tokens\":-1}    | max_output_tokens",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"n\":1000}                  | n",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"tools\":\"x\"}            | tools",
            "CHAT_COMPLETIONS | {\"model\":\"m\",\"tools\":[1]}               | tools",
            "COMPLETIONS      | {\"model\":\"m\",\"prompt\":{}}               | prompt",
            "COMPLETIONS      | {\"model\":\"m\",\"prompt\":null}             | prompt",
            "EMBEDDINGS       | {\"model\":\"m\",\"input\":5}                 | input",
            "RESPONSES        | {\"model\":\"m\",\"input\":true}              | input",
    })
    void wrongTypesAre400NamingTheField(String endpoint, String body, String field) throws Exception {
        GatewayException e = refused((Endpoint) Endpoint.class.getField(endpoint).get(null), body);
        assertEquals(ErrorCode.INVALID_REQUEST, e.code());
        assertEquals(field, e.param().orElseThrow(), e.getMessage());
        assertTrue(e.getMessage().contains("'" + field + "'"), e.getMessage());
    }

    @Test
    void depthNumberLengthTrailingDataAndUtf8AreRefused() {
        assertTrue(refused(Endpoint.CHAT_COMPLETIONS, "{\"a\":" + "[".repeat(40) + "]".repeat(40) + "}").getMessage()
                .contains("proxy.max_json_depth (16)"));
        assertTrue(refused(Endpoint.CHAT_COMPLETIONS, "{\"a\":" + "1".repeat(60) + "}").getMessage()
                .contains("proxy.max_json_number_length (50"));
        assertTrue(refused(Endpoint.CHAT_COMPLETIONS, "{\"a\":1.5e" + "9".repeat(60) + "}").getMessage()
                .contains("request body"));
        assertTrue(refused(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\"} {\"model\":\"n\"}").getMessage()
                .contains("data after its JSON object"));
        assertTrue(refused(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\"}garbage").getMessage()
                .contains("request body"));
        GatewayException utf8 = assertThrows(GatewayException.class, () -> v.validate(Endpoint.CHAT_COMPLETIONS,
                new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}));
        assertTrue(utf8.getMessage().contains("UTF-8"), utf8.getMessage());
        assertEquals("request body must be a JSON object", refused(Endpoint.EMBEDDINGS, "[1,2]").getMessage());
        assertEquals("request body must be a JSON object", refused(Endpoint.EMBEDDINGS, "\"x\"").getMessage());
        assertTrue(refused(Endpoint.EMBEDDINGS, "{\"model\":").getMessage().contains("not valid JSON"));
    }

    @Test
    void goodBodiesPassUntouchedUnknownFieldsIncluded() {
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,"
                + "\"max_tokens\":10,\"n\":1,\"tools\":[{\"type\":\"function\"}],\"x_vendor\":{\"deep\":[1,[2]]},"
                + "\"temperature\":null,\"max_completion_tokens\":null}  \n";
        ObjectNode tree = v.validate(Endpoint.CHAT_COMPLETIONS, body.getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,"
                + "\"max_tokens\":10,\"n\":1,\"tools\":[{\"type\":\"function\"}],\"x_vendor\":{\"deep\":[1,[2]]},"
                + "\"temperature\":null,\"max_completion_tokens\":null}", tree.toString());
        assertTrue(v.validate(Endpoint.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[1,2]}".getBytes()).has("prompt"));
        assertTrue(v.validate(Endpoint.EMBEDDINGS, "{\"model\":\"m\",\"input\":\"x\"}".getBytes()).has("input"));
        // what the chain has always answered itself: an empty body, a GET
        assertNull(v.validate(Endpoint.CHAT_COMPLETIONS, new byte[0]));
        assertNull(v.validate(Endpoint.MODELS, "garbage".getBytes()));
    }
}

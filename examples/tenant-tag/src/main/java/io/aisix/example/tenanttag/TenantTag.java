package io.aisix.example.tenanttag;

/**
 * One {@code tenant_tags} row: answers to callers whose API key is named {@code keyName}
 * ({@code *}: any caller without a row of its own) carry {@code x-tenant-tag: tag}.
 */
public record TenantTag(String id, String keyName, String tag) {
}

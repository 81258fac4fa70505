/**
 * Contract tests any plugin runs against its own extensions: extend
 * {@link io.aisix.testkit.contract.FilterFactoryContract},
 * {@link io.aisix.testkit.contract.ResourceKindContract},
 * {@link io.aisix.testkit.contract.GuardrailKindContract},
 * {@link io.aisix.testkit.contract.CacheBackendContract},
 * {@link io.aisix.testkit.contract.PluginConfigContract},
 * {@link io.aisix.testkit.contract.ProviderAdapterContract} or
 * {@link io.aisix.testkit.contract.ExporterKindContract} in the plugin's test sources and supply
 * the plugin's factory or kind plus the data it needs; JUnit runs every check of the SPI's
 * contract (see docs/plugins.md, "Testing").
 */
package io.aisix.testkit.contract;

package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aisix.spi.FilterFactory;
import io.aisix.spi.PluginConfig;
import io.aisix.spi.cache.CacheBackend;
import io.aisix.spi.guardrail.GuardrailKind;
import io.aisix.spi.observe.ExporterKind;
import io.aisix.spi.provider.ProviderAdapter;
import io.aisix.spi.resource.ExporterResource;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.testkit.LoopbackHttpServer;
import io.aisix.testkit.MockUpstreamTestBase;
import io.aisix.testkit.TestTarget;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * Each deliberately broken plugin fails the check of the rule it breaks (with a {@link
 * io.aisix.testkit.MockUpstream} for the provider adapters and a receiver for the exporters).
 */
class ContractViolationsTest extends MockUpstreamTestBase {


    private static FilterFactoryContract factoryContract(Supplier<FilterFactory> factory) {
        return new FilterFactoryContract() {
            @Override
            protected FilterFactory newFactory() {
                return factory.get();
            }

            @Override
            protected String pluginFolder() {
                return "good-plugin";
            }
        };
    }

    private static <T> ResourceKindContract<T> kindContract(ResourceKind<T> kind) {
        GoodKindContractTest data = new GoodKindContractTest();
        return new ResourceKindContract<>() {
            @Override
            protected ResourceKind<T> kind() {
                return kind;
            }

            @Override
            protected String validValue() {
                return data.validValue();
            }

            @Override
            protected String invalidValue() {
                return data.invalidValue();
            }

            @Override
            protected Set<String> invalidPaths() {
                return data.invalidPaths();
            }
        };
    }

    private static void fails(Executable check, String expected) {
        AssertionError e = assertThrows(AssertionError.class, check);
        assertTrue(String.valueOf(e.getMessage()).contains(expected), e.getMessage());
    }

    @Test
    void anIdThatIsNotTheFolderName() {
        fails(factoryContract(Fixtures.MisnamedFactory::new)::idIsThePluginFolderName, "its plugin folder name");
    }

    @Test
    void aFactoryMissingFromMetaInfServices() {
        fails(factoryContract(Fixtures.MisnamedFactory::new)::registeredForServiceLoader, "META-INF/services");
    }

    @Test
    void aThreadStartedInCreate() {
        fails(factoryContract(Fixtures.ThreadInCreateFactory::new)::createIsRepeatableAndStartsNothing,
                "leaked-by-create");
    }

    @Test
    void aFilterThatThrowsWhenTheChainRejects() {
        fails(factoryContract(Fixtures.ThrowsOnRejectionFactory::new)::aRejectedExchangeNeverMakesTheFilterThrow,
                "IllegalStateException");
    }

    @Test
    void aCompletionCallbackThatThrowsOnAnErrorAnswer() {
        fails(factoryContract(Fixtures.CallbackThrowsFactory::new)::aRejectedExchangeNeverMakesTheFilterThrow,
                "completion callback");
    }

    @Test
    void aSecondStopThatThrows() {
        fails(factoryContract(Fixtures.StopTwiceFactory::new)::stopCanBeCalledTwice, "idempotent");
    }

    @Test
    void aKindThatReportsOnlyItsFirstProblem() {
        fails(kindContract(new Fixtures.FirstIssueOnlyKind())::decodeReportsEveryProblemWithAJsonPointer,
                "every problem");
    }

    @Test
    void aKindMissingFromMetaInfServices() {
        fails(kindContract(new Fixtures.FirstIssueOnlyKind())::registeredForServiceLoaderUnderAStoreName,
                "META-INF/services");
    }

    @Test
    void aKindThatCrashesOnAValueThatIsNotAnObject() {
        fails(kindContract(new Fixtures.CrashesOnNonObjectKind())::aValueThatIsNotAnObjectIsAValidationProblem,
                "ClassCastException");
    }

    @Test
    void aKindWithoutSchema() {
        fails(kindContract(new Fixtures.NoSchemaKind())::theSchemaIsPublished, "schema() is empty");
    }

    @Test
    void aKindWhoseSecretIsNotText() {
        fails(kindContract(new Fixtures.GoodKind() {
            @Override
            public Set<String> secretFields() {
                return Set.of("token", "limit");
            }
        })::secretsNeverAppearInTheDecodedValueOrItsProblems, "secret field 'limit' is not text");
    }

    @Test
    void aKindWhoseValuePrintsTheSecret() {
        fails(kindContract(new Fixtures.LeakyKind())::secretsNeverAppearInTheDecodedValueOrItsProblems,
                "prints a secret");
    }

    private static GuardrailKindContract guardrailContract(GuardrailKind kind) {
        GoodGuardrailContractTest data = new GoodGuardrailContractTest();
        return new GuardrailKindContract() {
            @Override
            protected GuardrailKind kind() {
                return kind;
            }

            @Override
            protected String validRow() {
                return data.validRow();
            }

            @Override
            protected String invalidRow() {
                return data.invalidRow();
            }

            @Override
            protected Set<String> invalidPaths() {
                return data.invalidPaths();
            }
        };
    }

    @Test
    void aGuardrailKindThatReportsOnlyItsFirstProblem() {
        fails(guardrailContract(new Fixtures.SloppyGuardrail())::compileReportsEveryProblemWithAJsonPointer,
                "every problem");
    }

    @Test
    void aGuardrailKindThatRepeatsASecretOrClaimsACommonField() {
        fails(guardrailContract(new Fixtures.SloppyGuardrail())::declaredFieldsAreTheKindsOwnAndSecretsStaySecret,
                "'enabled' is a field of every guardrail");
    }

    @Test
    void aGuardrailKindThatStartsAThreadInCompile() {
        fails(guardrailContract(new Fixtures.ThreadInCompileGuardrail())::compileStartsNothingAndIsRepeatable,
                "leaked-by-compile");
    }

    @Test
    void aGuardrailKindMissingFromMetaInfServices() {
        fails(guardrailContract(new Fixtures.SloppyGuardrail())::registeredForServiceLoaderUnderAKindName,
                "META-INF/services");
    }

    private static CacheBackendContract cacheContract(Supplier<CacheBackend> backend) {
        return new CacheBackendContract() {
            @Override
            protected CacheBackend newBackend() {
                return backend.get();
            }
        };
    }

    @Test
    void aCacheBackendThatLosesEmptyValues() {
        fails(cacheContract(Fixtures.FragileCache::new)::storesAndAnswers, "an empty value is a value");
    }

    @Test
    void aCacheBackendThatThrowsDuringAnOutage() {
        fails(cacheContract(Fixtures.FragileCache::new)::aStoppedBackendMissesAndDropsWritesWithoutThrowing,
                "on a stopped backend");
    }

    @Test
    void aCacheBackendMissingFromMetaInfServices() {
        fails(cacheContract(Fixtures.FragileCache::new)::registeredForServiceLoaderUnderAnId, "META-INF/services");
    }

    private static <C extends Record> PluginConfigContract<C> configContract(PluginConfig<C> declaration) {
        return new PluginConfigContract<>() {
            @Override
            protected PluginConfig<C> declaration() {
                return declaration;
            }

            @Override
            protected String pluginFolder() {
                return "good-plugin";
            }
        };
    }

    @Test
    void aConfigurationDeclaredForAnotherFolder() {
        fails(configContract(new Fixtures.StrictDeclaration())::registeredForServiceLoaderUnderTheFolderName,
                "folder name");
    }

    @Test
    void aConfigurationRecordWithAPrimitive() {
        fails(configContract(new Fixtures.StrictDeclaration())::theRecordIsOneTheKernelCanBind,
                "plugins.someone-else.port is a int");
    }

    @Test
    void aConfigurationWhoseEmptySectionDoesNotBind() {
        fails(configContract(new Fixtures.StrictDeclaration())::anEmptySectionBindsToDefaultsThatPassTheChecks,
                "has a primitive component");
        fails(configContract(new Fixtures.NullRefusingDeclaration())::anEmptySectionBindsToDefaultsThatPassTheChecks,
                "an empty section (every key null) does not bind");
    }

    @Test
    void aConfigurationWhoseChecksRefuseItsDefaults() {
        fails(configContract(new Fixtures.RequiresSectionDeclaration())::anEmptySectionBindsToDefaultsThatPassTheChecks,
                "refuses the defaults");
    }

    @Test
    void aFilterOfAnotherFolderAndOneNamedAsAPartOfThisOne() {
        fails(factoryContract(() -> new Fixtures.GoodFactory() {
            @Override
            public String id() {
                return "other-plugin:part";
            }
        })::idIsThePluginFolderName, "its plugin folder name");
        factoryContract(() -> new Fixtures.GoodFactory() {
            @Override
            public String id() {
                return "good-plugin:output";
            }
        }).idIsThePluginFolderName();
    }

    private static ProviderAdapterContract adapterContract(Supplier<ProviderAdapter> adapter) {
        return new ProviderAdapterContract() {
            @Override
            protected ProviderAdapter newAdapter() {
                return adapter.get();
            }

            @Override
            protected TestTarget target() {
                return GoodAdapterContractTest.goodTarget();
            }
        };
    }

    @Test
    void anAdapterIdThatIsNotOne() {
        fails(adapterContract(Fixtures.MisnamedAdapter::new)::idIsStableAndRegistered, "is not an adapter id");
    }

    @Test
    void anAdapterMissingFromMetaInfServices() {
        fails(adapterContract(Fixtures.NoUsageAdapter::new)::idIsStableAndRegistered, "META-INF/services");
    }

    @Test
    void anAdapterThatSendsTheAliasUpstream() {
        fails(adapterContract(Fixtures.AliasForwardingAdapter::new)::aChatRequestIsTranslatedBothWays,
                "the caller's alias went upstream");
    }

    @Test
    void anAdapterThatAnswersWithTheUpstreamModel() {
        fails(adapterContract(Fixtures.UpstreamModelAdapter::new)::aChatRequestIsTranslatedBothWays,
                "the answer's model is the caller's alias");
    }

    @Test
    void anAdapterThatPublishesNoUsage() {
        fails(adapterContract(Fixtures.NoUsageAdapter::new)::aChatRequestIsTranslatedBothWays, "no usage published");
    }

    @Test
    void anAdapterThatForwardsDone() {
        fails(adapterContract(Fixtures.DoneForwardingAdapter::new)::aStreamIsTranslatedAsItArrives, "[DONE]");
    }

    @Test
    void anAdapterThatBuffersTheStream() {
        fails(adapterContract(Fixtures.BufferingAdapter::new)::aStreamIsTranslatedAsItArrives,
                "must never buffer a stream");
    }

    @Test
    void anAdapterThatLosesTheUpstreamStatus() {
        fails(adapterContract(Fixtures.FlatErrorsAdapter::new)::upstreamErrorsAreThrownWithTheirStatus,
                "upstream 400: code");
    }

    private static ExporterKindContract exporterContract(Supplier<ExporterKind> kind, LoopbackHttpServer sink) {
        return new ExporterKindContract() {
            @Override
            protected ExporterKind newKind() {
                return kind.get();
            }

            @Override
            protected ExporterResource resource() {
                return GoodExporterContractTest.sinkRow(Optional.of(sink.url("/ingest")));
            }

            @Override
            protected ExporterResource unusableResource() {
                return GoodExporterContractTest.sinkRow(Optional.empty());
            }

            @Override
            protected ExporterResource undeliverableResource() {
                return GoodExporterContractTest.sinkRow(Optional.of("http://127.0.0.1:" + LoopbackHttpServer.unusedPort()
                        + "/ingest"));
            }

            @Override
            protected String delivered() {
                return ExporterKindContract.received(sink);
            }
        };
    }

    /**
     * Runs one check of an exporter contract as JUnit would, its set-up and tear-down around it,
     * with a receiver of its own.
     */
    private static Executable exporterCheck(Supplier<ExporterKind> kind, ThrowingConsumer<ExporterKindContract> check) {
        return () -> {
            try (LoopbackHttpServer sink = LoopbackHttpServer.start()) {
                ExporterKindContract c = exporterContract(kind, sink);
                c.lendAnUpstreamClient();
                try {
                    check.accept(c);
                } finally {
                    c.closeTheUpstreamClient();
                }
            }
        };
    }

    @Test
    void anExporterKindThatIsNotAKindName() {
        fails(exporterCheck(Fixtures.MisnamedExporterKind::new,
                ExporterKindContract::registeredForServiceLoaderUnderAKindName), "is not lower_snake_case");
    }

    @Test
    void anExporterKindCheckingAFieldItDoesNotDeclare() {
        fails(exporterCheck(Fixtures.UndeclaredFieldExporterKind::new, ExporterKindContract::declaresTheFieldsItChecks),
                "validate checks field 'region'");
    }

    @Test
    void anExporterKindMissingFromMetaInfServices() {
        fails(exporterCheck(Fixtures.OwnClientExporterKind::new,
                ExporterKindContract::registeredForServiceLoaderUnderAKindName), "META-INF/services");
    }

    @Test
    void anExporterWithAnHttpClientOfItsOwn() {
        fails(exporterCheck(Fixtures.OwnClientExporterKind::new, ExporterKindContract::aSinkDeliversEveryEventOfItsBatches),
                "PluginContext.sideCallClient()");
    }

    @Test
    void anExporterSendingThroughTheProviderClient() {
        fails(exporterCheck(Fixtures.ProviderClientExporterKind::new,
                ExporterKindContract::aSinkDeliversEveryEventOfItsBatches), "through PluginContext.upstream()");
    }

    @Test
    void anExporterThatSwallowsFailedDeliveries() {
        fails(exporterCheck(Fixtures.CarelessExporterKind::new, ExporterKindContract::aFailedDeliveryIsThrown),
                "returned normally");
    }

    @Test
    void anExporterThatRefusesAResourceWithTheWrongException() {
        fails(exporterCheck(Fixtures.CarelessExporterKind::new,
                ExporterKindContract::anUnusableResourceIsAnIllegalArgumentWithoutSecrets), "NullPointerException");
    }

    @Test
    void anExporterThatRepeatsAHeaderValueInItsRefusal() {
        fails(exporterCheck(Fixtures.LeakyRefusalExporterKind::new,
                ExporterKindContract::anUnusableResourceIsAnIllegalArgumentWithoutSecrets), "repeats a header value");
    }

    @Test
    void anExporterWhoseNewSinkBreaksTheOld() {
        fails(exporterCheck(Fixtures.SingleSinkExporterKind::new,
                ExporterKindContract::aChangedResourceGetsANewSinkBesideTheOld), "this sink was replaced");
    }
}

package io.aisix.plugin.observe;

import java.util.List;

/**
 * The exporters the requests of one activated snapshot feed, in name order. Each set holds its
 * sinks in the {@link ExporterHub} until it is released, so an exporter removed by a change still
 * receives the events of requests that started before the change.
 */
final class ExporterSet {
    static final ExporterSet EMPTY = new ExporterSet(List.of());

    final List<ExporterSink> sinks;
    /** The sinks in {@code content_mode: full}, and the longest text any of them keeps. */
    final List<ExporterSink> contentSinks;
    final int contentMaxChars;

    ExporterSet(List<ExporterSink> sinks) {
        this.sinks = List.copyOf(sinks);
        this.contentSinks = this.sinks.stream().filter(ExporterSink::wantsContent).toList();
        this.contentMaxChars = contentSinks.stream().mapToInt(ExporterSink::contentMaxBytes).max().orElse(0);
    }
}

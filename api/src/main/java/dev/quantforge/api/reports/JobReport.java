package dev.quantforge.api.reports;

import dev.quantforge.api.jobs.Job;
import dev.quantforge.api.jobs.Task;
import dev.quantforge.common.jobs.JobState;
import dev.quantforge.common.jobs.TaskState;
import dev.quantforge.common.messages.TaskEvent.VariantResult;
import dev.quantforge.common.quality.BenchmarkSummary;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * One comparison table for a job: a row per task, the variants with the most bits per weight first,
 * tasks without figures (not built yet, failed, cancelled) last in the order they were asked for.
 *
 * @param evalText         the job's own evaluation text, or null for the workers' default
 * @param sourcePerplexity the source model's perplexity on that text, measured once for all variants;
 *                         null until a benchmarked variant reports it
 */
public record JobReport(UUID jobId, String name, String modelName, JobState state, String source, String sourceFormat,
                        String evalText, Double sourcePerplexity, List<Row> rows) {

    /**
     * One task. The figures are null until the variant is built and benchmarked; size and bits per
     * weight come from the build itself when the benchmark is missing.
     *
     * @param format  the variant's format (gguf, onnx, mlx), so that a job mixing them reads side by side
     * @param runtime what measured the figures: {@code llama.cpp}, {@code onnxruntime 1.29.0 (CPU execution
     *                provider)} (also for a profile meant for a GPU), {@code llama.cpp (dequantized weights)} for MLX;
     *                null until the variant is benchmarked
     * @param reason  why the task was REJECTED (the figures over their gates), failed or was cancelled
     */
    public record Row(String variant, String profile, String format, String ftype, TaskState state, Long modelBytes,
                      Double bitsPerWeight, Double compressionRatio, Double perplexity,
                      Double perplexityIncreasePercent, Double meanKld, Double sameTopPercent,
                      Double promptTokensPerSecond, Double generationTokensPerSecond, Integer threads,
                      String runtime, String reason) {

        static Row of(Task task) {
            VariantResult result = task.result;
            BenchmarkSummary b = result == null ? null : result.benchmark();
            Long bytes = b != null ? Long.valueOf(b.modelBytes()) : result != null ? Long.valueOf(result.modelBytes())
                    : null;
            Double bpw = b != null ? Double.valueOf(b.bitsPerWeight())
                    : result != null ? Double.valueOf(result.bitsPerWeight()) : null;
            // threads is 0 when speed was not measured
            Integer threads = b == null || b.threads() == 0 ? null : b.threads();
            // figures reported before the runtime was named were llama.cpp's
            String runtime = b == null ? null : b.runtime() == null ? "llama.cpp" : b.runtime();
            return new Row(task.variant, task.profile, task.recipe.format(), task.recipe.ftype(), task.state, bytes, bpw,
                    b == null ? null : b.compressionRatio(), b == null ? null : b.perplexity(),
                    b == null ? null : b.perplexityIncreasePercent(), b == null ? null : b.meanKld(),
                    b == null ? null : b.sameTopPercent(), b == null ? null : b.promptTokensPerSecond(),
                    b == null ? null : b.generationTokensPerSecond(), threads, runtime,
                    task.state == TaskState.SUCCEEDED ? null : task.failureReason);
        }
    }

    public JobReport {
        rows = List.copyOf(rows);
    }

    /** The report of {@code job} from its tasks, given in request order. */
    public static JobReport of(Job job, List<Task> tasks) {
        // a stable sort: equal or missing bits per weight keep the request order
        List<Row> rows = tasks.stream().map(Row::of)
                .sorted(Comparator.comparing(Row::bitsPerWeight, Comparator.nullsLast(Comparator.reverseOrder())))
                .toList();
        Double sourcePerplexity = tasks.stream()
                .map(t -> t.result == null || t.result.benchmark() == null ? null : t.result.benchmark().sourcePerplexity())
                .filter(Objects::nonNull).findFirst().orElse(null);
        return new JobReport(job.id, job.name, job.modelName, job.state, job.sourceUri,
                job.sourceFormat.name().toLowerCase(Locale.ROOT), job.evalText, sourcePerplexity, rows);
    }
}

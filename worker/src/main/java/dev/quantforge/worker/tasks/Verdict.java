package dev.quantforge.worker.tasks;

import dev.quantforge.common.quality.GateFailure;
import dev.quantforge.common.quality.QualityGates;
import dev.quantforge.worker.bench.BenchmarkStage;

import java.util.List;

/**
 * The judge stage: whether a benchmarked variant meets its task's quality gates.
 *
 * @param failures the limits it missed, as the user reads them; empty when it passed or was not benchmarked
 */
record Verdict(List<String> failures) {
    Verdict {
        failures = List.copyOf(failures);
    }

    static Verdict of(QualityGates gates, BenchmarkStage.Outcome bench) {
        return new Verdict(bench == null ? List.of()
                : gates.check(bench.report().summary()).stream().map(GateFailure::toString).toList());
    }
}

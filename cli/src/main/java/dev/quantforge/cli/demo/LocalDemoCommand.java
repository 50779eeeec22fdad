package dev.quantforge.cli.demo;

import dev.quantforge.cli.Home;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.BenchmarkSummary;
import dev.quantforge.common.quality.GateFailure;
import dev.quantforge.engine.bench.ReferenceLogits;
import dev.quantforge.engine.bench.VariantBenchmark;
import dev.quantforge.engine.model.ModelSource;
import dev.quantforge.engine.model.ModelSources;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.variant.QuantizeParams;
import dev.quantforge.engine.variant.TargetFormat;
import dev.quantforge.engine.variant.Variants;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The main job on the embedded local default, without services: one model, several hardware
 * profiles, each variant built in one streaming pass from the Hugging Face checkpoint, benchmarked
 * on the llama.cpp runtime against the checkpoint, and judged by its profile's quality gates.
 */
@Command(name = "demo-local", description = "Build and measure variants of the bundled model for three hardware profiles, locally, without services.")
public final class LocalDemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "HF_DIR", description = "Hugging Face checkpoint (default: the bundled stories260K)")
    Path model;

    @Option(names = "--profiles", split = ",", paramLabel = "P,..", defaultValue = "cpu-x86-avx2,arm-mobile,cpu-server-quality",
            description = "hardware profiles (default: ${DEFAULT-VALUE})")
    List<String> profiles;

    @Option(names = "--out", paramLabel = "DIR", description = "where the variants go (default: .quantforge/demo)")
    Path out;

    @Override
    public Integer call() {
        PrintWriter console = spec.commandLine().getOut();
        Path checkpoint = model != null ? model : Home.path("models/stories260K-hf");
        if (!Files.isRegularFile(checkpoint.resolve("config.json"))) {
            throw new InvalidInputException(checkpoint + ": not a Hugging Face checkpoint (no config.json)");
        }
        Path outDir = out != null ? out : Home.path(".quantforge/demo");
        List<String> evalText = EvalText.paragraphs(EvalText.bundledDefault());
        HardwareProfiles catalog = HardwareProfiles.builtIn();
        List<HardwareProfile> chosen = profiles.stream().map(name -> catalog.find(name).orElseThrow(() ->
                new InvalidInputException("unknown profile " + name + "; known: "
                        + catalog.all().stream().map(HardwareProfile::name).toList()))).toList();
        int threads = Runtime.getRuntime().availableProcessors();
        long sourceBytes = VariantBenchmark.bytesOnDisk(checkpoint);
        console.printf("model %s → %s%n", checkpoint, outDir);
        Path scratch = outDir.resolve("reference");
        ReferenceLogits reference = VariantBenchmark.referenceLogits(checkpoint, sourceBytes, evalText, threads, scratch);
        deleteEmpty(scratch);
        console.printf(Locale.ROOT, "source perplexity %.4f on the bundled evaluation text%n%n", reference.sourcePerplexity());
        console.printf(Locale.ROOT, "%-20s %-8s %10s %6s %7s %9s %8s %9s %8s %9s %9s  %s%n", "profile", "ftype", "bytes",
                "bpw", "build s", "PPL", "ΔPPL %", "mean KLD", "same-top", "pp tok/s", "tg tok/s", "verdict");
        int rejected = 0;
        for (HardwareProfile profile : chosen) {
            QuantizeParams params = QuantizeParams.of(profile.recipe(), threads);
            TargetFormat format = params.target().format();
            Path file = outDir.resolve(checkpoint.getFileName() + "-" + profile.ftype() + format.fileExtension());
            QuantizeResult result;
            BenchmarkSummary figures;
            try (ModelSource source = ModelSources.open(checkpoint)) {
                result = Variants.build(source, file, params).written();
                figures = format.runtime().benchmark(file, source, sourceBytes, evalText, reference,
                        VariantBenchmark.Options.defaults(threads), VariantBenchmark.Progress.NONE, () -> false).summary();
            }
            List<GateFailure> failures = profile.gates().check(figures);
            rejected += failures.isEmpty() ? 0 : 1;
            console.printf(Locale.ROOT, "%-20s %-8s %,10d %6.2f %7.2f %9.4f %+8.2f %9.6f %7.1f%% %9.0f %9.0f  %s%n",
                    profile.name(), profile.ftype(), result.fileBytes(), result.bitsPerWeight(),
                    result.elapsed().toMillis() / 1000.0, figures.perplexity(), figures.perplexityIncreasePercent(),
                    figures.meanKld(), figures.sameTopPercent(), figures.promptTokensPerSecond(),
                    figures.generationTokensPerSecond(), failures.isEmpty() ? "passes its gates" : "REJECTED: " + failures);
            console.flush();
        }
        return rejected == 0 ? 0 : 1;
    }

    private static void deleteEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // not empty or not ours: leave it
        }
    }
}

package dev.quantforge.cli.demo;

import dev.quantforge.cli.Home;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.engine.ggml.GgmlType;
import dev.quantforge.engine.hf.HfModelSource;
import dev.quantforge.engine.hf.OutputType;
import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.plan.QuantizationPlan;
import dev.quantforge.engine.plan.QuantizationPlanner;
import dev.quantforge.engine.plan.QuantizeOptions;
import dev.quantforge.engine.plan.TensorDescriptor;
import dev.quantforge.engine.quantize.ModelQuantizer;
import dev.quantforge.engine.quantize.OutputMetadata;
import dev.quantforge.engine.quantize.QuantizeResult;
import dev.quantforge.engine.quantize.TensorJobs;
import dev.quantforge.engine.runtime.EvalText;
import dev.quantforge.engine.runtime.LlamaModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * The main job on the embedded local default, without services: one model, several hardware
 * profiles, each variant built in one streaming pass from the Hugging Face checkpoint and measured
 * on the llama.cpp runtime.
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
        Path outDir = out != null ? out : Home.path(".quantforge/demo");
        List<String> evalText = EvalText.read(Home.path("models/eval.txt"));
        HardwareProfiles catalog = HardwareProfiles.builtIn();
        console.printf("model %s → %s%n%n", checkpoint, outDir);
        console.printf(Locale.ROOT, "%-20s %-8s %10s %7s %8s %10s  %s%n", "profile", "ftype", "bytes", "bpw", "build s", "perplexity", "file");
        for (String name : profiles) {
            HardwareProfile profile = catalog.find(name).orElseThrow(() ->
                    new InvalidInputException("unknown profile " + name + "; known: "
                            + catalog.all().stream().map(HardwareProfile::name).toList()));
            Path file = outDir.resolve(checkpoint.getFileName() + "-" + profile.ftype() + ".gguf");
            QuantizeResult result = build(checkpoint, LlamaFileType.parse(profile.ftype()), file);
            double ppl;
            try (LlamaModel llama = LlamaModel.load(file, LlamaModel.Options.threads(1).withKvCache(GgmlType.F32))) {
                ppl = llama.perplexity(evalText).ppl();
            }
            console.printf(Locale.ROOT, "%-20s %-8s %,10d %7.2f %8.2f %10.4f  %s%n", profile.name(), profile.ftype(),
                    result.fileBytes(), result.bitsPerWeight(), result.elapsed().toMillis() / 1000.0, ppl, file);
            console.flush();
        }
        return 0;
    }

    private static QuantizeResult build(Path checkpoint, LlamaFileType type, Path file) {
        try (HfModelSource source = HfModelSource.open(checkpoint, OutputType.F32)) {
            List<TensorDescriptor> tensors = source.tensors().stream().map(TensorDescriptor::of).toList();
            QuantizationPlan plan = new QuantizationPlanner().plan(tensors, source.metadata(), type, QuantizeOptions.defaults());
            var metadata = OutputMetadata.of(source.metadata(), OptionalInt.of(plan.fileTypeId()), true, null);
            return ModelQuantizer.withThreads(Runtime.getRuntime().availableProcessors())
                    .write(source.description(), metadata, TensorJobs.of(source, plan.tensors(), null), file);
        }
    }
}

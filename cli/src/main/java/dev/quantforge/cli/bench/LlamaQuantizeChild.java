package dev.quantforge.cli.bench;

import dev.quantforge.engine.plan.LlamaFileType;
import dev.quantforge.engine.runtime.LlamaQuantizer;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The llama.cpp side of {@code bench-quantize}, in a process of its own so that its peak RSS is its own:
 * {@code LlamaQuantizeChild LIBLLAMA INPUT OUTPUT FTYPE THREADS}. Prints one line, the seconds and CPU
 * seconds spent inside {@code llama_model_quantize} and the resident set (kB) before the call — the JVM hosting
 * it, which a native {@code llama-quantize} would not have — so the parent can leave the host out.
 */
final class LlamaQuantizeChild {

    private LlamaQuantizeChild() {
    }

    public static void main(String[] args) throws Exception {
        LlamaQuantizer quantizer = LlamaQuantizer.load(Path.of(args[0]));
        LlamaFileType type = LlamaFileType.parse(args[3]);
        int threads = Integer.parseInt(args[4]);
        long hostKb = residentKb();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        long started = System.nanoTime();
        quantizer.quantize(Path.of(args[1]), Path.of(args[2]), type, threads);
        double seconds = (System.nanoTime() - started) / 1e9;
        double cpuSeconds = (os.getProcessCpuTime() - cpu) / 1e9;
        System.out.printf(Locale.ROOT, "llama %.3f %.3f %d %s%n", seconds, cpuSeconds, hostKb, quantizer.description());
    }

    private static long residentKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return 0;
    }
}

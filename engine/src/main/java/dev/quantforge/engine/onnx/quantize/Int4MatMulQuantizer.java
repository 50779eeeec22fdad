package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.engine.onnx.Int4Blocks;
import dev.quantforge.engine.onnx.ProtoWriter;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Action;
import dev.quantforge.engine.onnx.quantize.QuantizationPlan.Entry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * 4-bit weights as ONNX Runtime's {@code MatMulNBitsQuantizer} (default RTN, asymmetric) writes them: each MatMul
 * whose B is a float32 [K, N] initializer becomes {@code com.microsoft.MatMulNBits(A, B_Q4, B_scales,
 * B_zero_points)} (K, N, bits 4, block_size), packed by {@link Int4Blocks} exactly as the LLM exporter packs its
 * int4 weights: B_Q4 [N, blocks, block/2], scales [N * blocks], zero points two per byte per column. Everything
 * else (Gather tables included) stays float.
 */
final class Int4MatMulQuantizer {
    static final String MICROSOFT = "com.microsoft";

    private final OnnxModelFile model;
    private final OnnxQuantizeOptions options;
    private final List<GraphNode> nodes = new ArrayList<>();
    private final List<NewTensor> tensors = new ArrayList<>();
    private final Map<String, String[]> packedWeights = new HashMap<>();
    private final List<Entry> plan = new ArrayList<>();

    Int4MatMulQuantizer(OnnxModelFile model, OnnxQuantizeOptions options) {
        this.model = model;
        this.options = options;
    }

    QuantizedGraph quantize() {
        for (GraphNode node : model.nodes()) {
            boolean matMul = node.opType().equals("MatMul") && (node.domain().isEmpty() || node.domain().equals("ai.onnx"));
            if (!matMul) {
                nodes.add(node);
                continue;
            }
            if (options.excludes(node)) {
                plan.add(new Entry(node.name(), "MatMul", Action.FLOAT, "excluded"));
                nodes.add(node);
                continue;
            }
            StoredTensor b = model.initializers().get(node.input(1));
            String reason = b == null ? "B is not a constant"
                    : b.dataType() != StoredTensor.FLOAT ? "B is not float32"
                    : b.dims().length != 2 ? "B has rank " + b.dims().length + ", not 2" : null;
            String[] packed = reason == null ? packedWeights.get(b.name()) : null;
            if (reason == null && packed == null) {
                float[] w = model.floats(b);
                if (!LinearQuantization.allFinite(w)) {
                    reason = "weights hold NaN or infinity";
                } else {
                    packed = pack(b, w);
                    packedWeights.put(b.name(), packed);
                }
            }
            if (reason != null) {
                plan.add(new Entry(node.name(), "MatMul", Action.FLOAT, reason));
                nodes.add(node);
                continue;
            }
            ProtoWriter attributes = new ProtoWriter();
            GraphNode.intAttribute(attributes, "K", b.dims()[0]);
            GraphNode.intAttribute(attributes, "N", b.dims()[1]);
            GraphNode.intAttribute(attributes, "bits", 4);
            GraphNode.intAttribute(attributes, "block_size", options.blockSize());
            nodes.add(new GraphNode(node.name().isEmpty() ? "" : node.name() + "_Q4", "MatMulNBits", MICROSOFT,
                    List.of(node.input(0), packed[0], packed[1], packed[2]), List.of(node.output(0)),
                    attributes.toByteArray(), false));
            plan.add(new Entry(node.name(), "MatMul", Action.QUANTIZED, "MatMulNBits (4-bit, blocks of " + options.blockSize() + ")"));
        }
        return new QuantizedGraph(nodes, QuantizedGraph.keptInitializers(model, nodes), tensors, options.precision(),
                new QuantizationPlan(options.precision(), plan));
    }

    /** B [K, N] column by column (a column is one output channel), as Int4Blocks quantizes them. */
    private String[] pack(StoredTensor b, float[] w) {
        int k = Math.toIntExact(b.dims()[0]);
        int n = Math.toIntExact(b.dims()[1]);
        int block = options.blockSize();
        int blocks = Int4Blocks.blocks(k, block);
        int columnBytes = Int4Blocks.columnBytes(k, block);
        int zpBytes = Int4Blocks.zeroPointBytes(k, block);
        byte[] packed = new byte[n * columnBytes];
        float[] scales = new float[n * blocks];
        byte[] zeroPoints = new byte[n * zpBytes];
        float[] column = new float[k];
        for (int c = 0; c < n; c++) {
            for (int r = 0; r < k; r++) {
                column[r] = w[r * n + c];
            }
            Int4Blocks.quantizeColumn(column, 0, k, block, false, packed, c * columnBytes, scales, c * blocks,
                    zeroPoints, c * zpBytes);
        }
        String[] names = {b.name() + "_Q4", b.name() + "_scales", b.name() + "_zero_points"};
        tensors.add(NewTensor.bytes(names[0], QuantType.UINT8.onnxId(), new long[]{n, blocks, block / 2}, packed));
        ByteBuffer s = ByteBuffer.allocate(4 * scales.length).order(ByteOrder.LITTLE_ENDIAN);
        s.asFloatBuffer().put(scales);
        tensors.add(NewTensor.bytes(names[1], StoredTensor.FLOAT, new long[]{(long) n * blocks}, s.array()));
        tensors.add(NewTensor.bytes(names[2], QuantType.UINT8.onnxId(), new long[]{zeroPoints.length}, zeroPoints));
        return names;
    }
}

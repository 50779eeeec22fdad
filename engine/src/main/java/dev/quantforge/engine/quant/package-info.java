/**
 * The quantization kernels: one {@link dev.quantforge.engine.quant.Quantizer} per ggml type,
 * byte-identical to ggml's {@code ggml_quantize_chunk} and {@code dequantize_row_*}, found through
 * {@link dev.quantforge.engine.quant.Quantizers}.
 *
 * <p>Adding a type:
 * <ol>
 *   <li>its row in {@link dev.quantforge.engine.ggml.GgmlType}, if ggml's enum has it and ours does not
 *       yet: ggml's id and name, the block length, and the type size written as the sum of the fields of
 *       ggml's {@code block_*} struct (ggml-common.h), named in the row's comment;</li>
 *   <li>the codec, {@code <TYPE>Codec implements Quantizer}: its block length and size come from that
 *       row ({@code GgmlType.<TYPE>.blockSize()}, {@code typeSize()}), never restated; its blocks are
 *       walked by {@code BlockRows} (the callback, or the codec's own loop over {@code next()} where a
 *       block costs as little as plain Q4_0's); {@code requiresImportance()} where ggml refuses to
 *       quantize without importance weights;</li>
 *   <li>its registration in {@link dev.quantforge.engine.quant.Quantizers}, which makes it available to
 *       {@code quantize}, {@code bench} and {@code bench-kernels} and decodable for tensor errors;</li>
 *   <li>golden data produced by ggml itself in {@code engine/src/test/resources/golden/ggml}:
 *       {@code expected_<TYPE>.gguf} (and {@code _imatrix} where ggml takes importance weights),
 *       {@code dequant_<TYPE>.bin} and their entries in MANIFEST.json (see that directory's README);</li>
 *   <li>tests: {@code GoldenKernelTest} (bytes and decoding against ggml) and {@code UniformQuantizeTest}
 *       (the whole pipeline, one thread and three) take every variant of the manifest, so they cover the
 *       type once its golden data is there; add it to the throughput test of its family
 *       ({@code LegacyThroughputTest}, {@code KQuantThroughputTest}, {@code IQGridThroughputTest},
 *       {@code SmallFormatThroughputTest}) with the digest of its output, taken once the golden tests
 *       pass.</li>
 * </ol>
 * A llama.cpp file type for it (and where it falls back) belongs to {@code engine/plan}
 * ({@code LlamaFileType}, {@code MixtureRules}), not to this package.
 */
package dev.quantforge.engine.quant;

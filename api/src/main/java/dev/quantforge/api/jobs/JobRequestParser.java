package dev.quantforge.api.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quantforge.api.problems.FieldError;
import dev.quantforge.api.problems.ProblemException;
import dev.quantforge.common.InvalidInputException;
import dev.quantforge.common.jobs.MlxRecipes;
import dev.quantforge.common.jobs.OnnxModelRecipes;
import dev.quantforge.common.jobs.OnnxRecipes;
import dev.quantforge.common.jobs.QuantizationNames;
import dev.quantforge.common.jobs.Recipe;
import dev.quantforge.common.jobs.ResultLayout;
import dev.quantforge.common.jobs.S3Uri;
import dev.quantforge.common.jobs.SourceFormat;
import dev.quantforge.common.messages.PublishReference;
import dev.quantforge.common.messages.PublishTarget;
import dev.quantforge.common.profiles.HardwareProfile;
import dev.quantforge.common.profiles.HardwareProfiles;
import dev.quantforge.common.quality.QualityGates;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a job request from its JSON tree and checks every field, collecting all the problems so a
 * client fixes them in one go rather than one per round trip. The tree is walked by hand because a
 * target is either a profile name or an object, and because data binding stops at the first error.
 */
@ApplicationScoped
public class JobRequestParser {

    static final int MAX_TARGETS = 32;
    static final int MAX_LABELS = 32;
    static final int MAX_PUBLISH = 8;
    private static final Set<String> REQUEST_FIELDS = Set.of("source", "targets", "labels", "name", "evalText",
            "qualityGates", "publish");
    private static final Set<String> PUBLISH_FIELDS = Set.of("oci", "format");
    private static final Set<String> PUBLISH_FORMATS = Set.of("ollama", "modelpack");
    private static final Set<String> SOURCE_FIELDS = Set.of("uri", "format");
    private static final Set<String> TARGET_FIELDS = Set.of("format", "ftype", "options");
    private static final Set<String> MLX_TARGET_FIELDS = Set.of("format", "bits", "groupSize", "mode", "recipe", "dtype",
            "rounding");
    private static final Set<String> ONNX_TARGET_FIELDS = Set.of("format", "precision", "blockSize", "symmetric",
            "accuracyLevel", "lmHead", "activations");
    private static final Set<String> ONNX_MODEL_TARGET_FIELDS = Set.of("format", "method", "perChannel", "reduceRange",
            "calibration");
    private static final Set<String> GATE_FIELDS = Set.of("maxMeanKld", "maxPerplexityIncreasePercent",
            "minSameTopPercent", "minMeanOutputCosine");
    private static final Set<String> OPTION_FIELDS = Set.of("pure", "outputTensorType", "tokenEmbeddingType",
            "leaveOutputTensor", "tensorTypes");
    private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");
    private static final int MAX_LABEL_VALUE = 255;
    private static final int MAX_NAME = 200;
    /** A tensor-name pattern (llama-quantize's --tensor-type); the worker also bounds the time it may take to match. */
    static final int MAX_TENSOR_PATTERN = 200;

    private final HardwareProfiles profiles;

    public JobRequestParser(HardwareProfiles profiles) {
        this.profiles = profiles;
    }

    /** The validated request, or a 400 problem naming every invalid field. */
    public JobSubmission parse(JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || body.isNull() || body.isMissingNode()) {
            throw ProblemException.invalid("body", "is missing; expected a JSON object");
        }
        if (!body.isObject()) {
            throw ProblemException.invalid("body", "must be a JSON object");
        }
        rejectUnknownFields(body, REQUEST_FIELDS, "", errors);
        Optional<S3Uri> source = Optional.empty();
        Optional<SourceFormat> format = Optional.empty();
        JsonNode sourceNode = body.get("source");
        if (sourceNode == null || sourceNode.isNull()) {
            errors.add(new FieldError("source", "is required: {\"uri\": \"s3://bucket/prefix\", \"format\": \"hf\"}"));
        } else if (!sourceNode.isObject()) {
            errors.add(new FieldError("source", "must be an object with uri and format"));
        } else {
            rejectUnknownFields(sourceNode, SOURCE_FIELDS, "source.", errors);
            format = sourceFormat(sourceNode.get("format"), errors);
            source = sourceUri(sourceNode.get("uri"), format, errors);
        }
        List<TargetPlan> targets = targets(body.get("targets"), format, errors);
        Map<String, String> labels = labels(body.get("labels"), errors);
        Optional<String> name = name(body.get("name"), errors);
        Optional<S3Uri> evalText = evalText(body.get("evalText"), errors);
        Optional<QualityGates> jobGates = qualityGates(body.get("qualityGates"), errors);
        List<PublishTarget> publish = publish(body.get("publish"), targets, errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        if (jobGates.isPresent()) {
            targets = targets.stream().map(t -> t.heldTo(jobGates.get())).toList();
        }
        String modelName = modelName(source.orElseThrow(), format.orElseThrow());
        return new JobSubmission(source.get(), format.get(), modelName, name.orElse(modelName), labels, targets,
                evalText, publish);
    }

    /**
     * {@code "publish": [{"oci": "HOST[:PORT]/REPO[:TAG]", "format": "ollama"|"modelpack"}]}: registries every
     * SUCCEEDED variant is pushed to. Each entry is resolved per variant ({@link PublishReference#forVariant}); an
     * entry, or two entries, that would give two pushes the same reference are refused, as is an MLX target (a
     * push carries a GGUF).
     */
    private static List<PublishTarget> publish(JsonNode node, List<TargetPlan> targets, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            errors.add(new FieldError("publish", "must be a list of {\"oci\": \"HOST[:PORT]/REPO[:TAG]\", \"format\":"
                    + " \"ollama\" | \"modelpack\"}"));
            return List.of();
        }
        if (node.size() > MAX_PUBLISH) {
            errors.add(new FieldError("publish", "has " + node.size() + " entries; at most " + MAX_PUBLISH + " are allowed"));
            return List.of();
        }
        List<PublishTarget> result = new ArrayList<>();
        Map<String, String> pushedBy = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "publish[" + i + "]";
            JsonNode entry = node.get(i);
            if (!entry.isObject()) {
                errors.add(new FieldError(field, "must be an object {\"oci\": \"HOST[:PORT]/REPO[:TAG]\", \"format\": …}"));
                continue;
            }
            int before = errors.size();
            rejectUnknownFields(entry, PUBLISH_FIELDS, field + ".", errors);
            String format = entry.hasNonNull("format") ? choice(entry.get("format"), field + ".format", PUBLISH_FORMATS, errors)
                    : "ollama";
            PublishReference ref = null;
            JsonNode oci = entry.get("oci");
            if (oci == null || oci.isNull()) {
                errors.add(new FieldError(field + ".oci", "is required: HOST[:PORT]/REPO[:TAG], e.g."
                        + " registry.example.com/models/llama:q4km"));
            } else if (!oci.isTextual()) {
                errors.add(new FieldError(field + ".oci", "must be a string HOST[:PORT]/REPO[:TAG]"));
            } else {
                try {
                    ref = PublishReference.parse(oci.asText());
                } catch (InvalidInputException e) {
                    errors.add(new FieldError(field + ".oci", e.getMessage()));
                }
            }
            if (ref != null && "ollama".equals(format) && ref.repository().split("/").length != 2) {
                errors.add(new FieldError(field + ".oci", "an Ollama model's repository is NAMESPACE/MODEL (ollama pull"
                        + " HOST/NAMESPACE/MODEL:TAG), not '" + ref.repository() + "'"));
            }
            if (errors.size() != before || ref == null) {
                continue;
            }
            for (TargetPlan target : targets) {
                String resolved = ref.forVariant(target.variant(), targets.size() > 1);
                String earlier = pushedBy.putIfAbsent(resolved, field);
                if (earlier != null) {
                    errors.add(new FieldError(field + ".oci", "pushes variant " + target.variant() + " to " + resolved
                            + ", as " + earlier + " does"));
                    break;
                }
            }
            result.add(new PublishTarget(ref.toString(), format));
        }
        for (int i = 0; i < targets.size() && !result.isEmpty(); i++) {
            if (MlxRecipes.FORMAT.equals(targets.get(i).recipe().format())) {
                errors.add(new FieldError("publish", "pushes GGUF variants (Ollama, ModelPack); targets[" + i
                        + "] builds an MLX directory"));
                break;
            }
        }
        return result;
    }

    private static Optional<SourceFormat> sourceFormat(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            errors.add(new FieldError("source.format", "is required: \"hf\", \"gguf\" or \"onnx\""));
            return Optional.empty();
        }
        for (SourceFormat f : SourceFormat.values()) {
            if (node.isTextual() && f.name().equalsIgnoreCase(node.asText())) {
                return Optional.of(f);
            }
        }
        errors.add(new FieldError("source.format", "must be \"hf\", \"gguf\" or \"onnx\", not " + node));
        return Optional.empty();
    }

    private static Optional<S3Uri> sourceUri(JsonNode node, Optional<SourceFormat> format, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            errors.add(new FieldError("source.uri", "is required: s3://bucket/prefix"));
            return Optional.empty();
        }
        if (!node.isTextual()) {
            errors.add(new FieldError("source.uri", "must be a string such as s3://bucket/prefix"));
            return Optional.empty();
        }
        S3Uri uri;
        try {
            uri = S3Uri.parse(node.asText());
        } catch (InvalidInputException e) {
            errors.add(new FieldError("source.uri", e.getMessage()));
            return Optional.empty();
        }
        if (format.orElse(null) == SourceFormat.GGUF && (uri.key().isEmpty() || uri.key().endsWith("/"))) {
            errors.add(new FieldError("source.uri", "a gguf source is one object; '" + uri + "' names a prefix"));
            return Optional.empty();
        }
        if (format.orElse(null) == SourceFormat.ONNX && !uri.key().toLowerCase(Locale.ROOT).endsWith(".onnx")
                && !uri.key().isEmpty() && !uri.key().endsWith("/")) {
            errors.add(new FieldError("source.uri", "an onnx source is one .onnx object, or a prefix holding "
                    + SourceFormat.ONNX_MODEL_FILE + " (external data and tokenizer.json beside it); '" + uri + "' is neither"));
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    /** One object, like a gguf source: the workers read it whole as UTF-8 text. */
    private static Optional<S3Uri> evalText(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            errors.add(new FieldError("evalText", "must be a string such as s3://bucket/texts/eval.txt"));
            return Optional.empty();
        }
        S3Uri uri;
        try {
            uri = S3Uri.parse(node.asText());
        } catch (InvalidInputException e) {
            errors.add(new FieldError("evalText", e.getMessage()));
            return Optional.empty();
        }
        if (uri.key().isEmpty() || uri.key().endsWith("/")) {
            errors.add(new FieldError("evalText", "an evaluation text is one object; '" + uri + "' names a prefix"));
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    /**
     * The job's own quality bar, replacing every target's: a limit left out is no limit, so {@code {}}
     * switches the gates off for the job.
     */
    private static Optional<QualityGates> qualityGates(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            errors.add(new FieldError("qualityGates", "must be an object with any of " + new TreeSet<>(GATE_FIELDS)));
            return Optional.empty();
        }
        int before = errors.size();
        rejectUnknownFields(node, GATE_FIELDS, "qualityGates.", errors);
        Double maxMeanKld = limit(node.get("maxMeanKld"), "qualityGates.maxMeanKld", Double.POSITIVE_INFINITY, errors);
        Double maxPerplexityIncrease = limit(node.get("maxPerplexityIncreasePercent"),
                "qualityGates.maxPerplexityIncreasePercent", Double.POSITIVE_INFINITY, errors);
        Double minSameTop = limit(node.get("minSameTopPercent"), "qualityGates.minSameTopPercent", 100, errors);
        Double minCosine = limit(node.get("minMeanOutputCosine"), "qualityGates.minMeanOutputCosine", 1, errors);
        return errors.size() == before
                ? Optional.of(new QualityGates(maxMeanKld, maxPerplexityIncrease, minSameTop, minCosine))
                : Optional.empty();
    }

    private static Double limit(JsonNode node, String field, double max, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || !(node.asDouble() >= 0) || node.asDouble() > max) {
            errors.add(new FieldError(field, max == 100 ? "must be a number from 0 to 100"
                    : max == 1 ? "must be a number from 0 to 1" : "must be a non-negative number"));
            return null;
        }
        return node.asDouble();
    }

    private List<TargetPlan> targets(JsonNode node, Optional<SourceFormat> sourceFormat, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            errors.add(new FieldError("targets", "is required: a list of profile names or {format, ftype} recipes"));
            return List.of();
        }
        if (!node.isArray() || node.isEmpty()) {
            errors.add(new FieldError("targets", "must be a non-empty list"));
            return List.of();
        }
        if (node.size() > MAX_TARGETS) {
            errors.add(new FieldError("targets", "has " + node.size() + " entries; at most " + MAX_TARGETS
                    + " are allowed"));
            return List.of();
        }
        List<TargetPlan> plans = new ArrayList<>();
        Map<String, Integer> variantAt = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String field = "targets[" + i + "]";
            Optional<TargetPlan> plan = target(node.get(i), field, errors);
            if (plan.isEmpty()) {
                continue;
            }
            if (MlxRecipes.FORMAT.equals(plan.get().recipe().format()) && sourceFormat.orElse(null) == SourceFormat.GGUF) {
                errors.add(new FieldError(field, "an MLX variant is made from a Hugging Face checkpoint (source.format"
                        + " \"hf\"), not from a GGUF file"));
                continue;
            }
            if (OnnxRecipes.FORMAT.equals(plan.get().recipe().format()) && sourceFormat.orElse(null) == SourceFormat.GGUF) {
                errors.add(new FieldError(field, "an ONNX variant is exported from a Hugging Face checkpoint (source.format"
                        + " \"hf\": config.json, safetensors, tokenizer), not from a GGUF file"));
                continue;
            }
            boolean onnxModelRecipe = OnnxModelRecipes.FORMAT.equals(plan.get().recipe().format());
            if (sourceFormat.isPresent() && onnxModelRecipe != (sourceFormat.get() == SourceFormat.ONNX)) {
                errors.add(new FieldError(field, onnxModelRecipe
                        ? "an onnx-model variant quantizes an ONNX model (source.format \"onnx\")"
                        : "an ONNX model source (source.format \"onnx\") takes only onnx-model targets, such as the "
                        + "profiles cpu-onnx-int8-dynamic and npu-qdq-int8"));
                continue;
            }
            Integer earlier = variantAt.putIfAbsent(plan.get().variant(), i);
            if (earlier != null) {
                errors.add(new FieldError(field, "builds the same variant (" + plan.get().variant()
                        + ") as targets[" + earlier + "]"));
                continue;
            }
            plans.add(plan.get());
        }
        return plans;
    }

    private Optional<TargetPlan> target(JsonNode node, String field, List<FieldError> errors) {
        if (node.isTextual()) {
            Optional<HardwareProfile> profile = profiles.find(node.asText());
            if (profile.isEmpty()) {
                errors.add(new FieldError(field, "unknown profile '" + node.asText() + "'; known profiles: "
                        + profiles.all().stream().map(HardwareProfile::name).toList()));
                return Optional.empty();
            }
            return Optional.of(new TargetPlan(profile.get().name(), profile.get().recipe(), profile.get().gates()));
        }
        if (!node.isObject()) {
            errors.add(new FieldError(field, "must be a profile name or an object {format, ftype, options}"));
            return Optional.empty();
        }
        int before = errors.size();
        JsonNode format = node.get("format");
        if (format != null && format.isTextual() && MlxRecipes.FORMAT.equals(format.asText().toLowerCase(Locale.ROOT))) {
            return mlxTarget(node, field, errors);
        }
        if (format != null && format.isTextual() && OnnxRecipes.FORMAT.equals(format.asText().toLowerCase(Locale.ROOT))) {
            return onnxTarget(node, field, errors);
        }
        if (format != null && format.isTextual() && OnnxModelRecipes.FORMAT.equals(format.asText().toLowerCase(Locale.ROOT))) {
            return onnxModelTarget(node, field, errors);
        }
        rejectUnknownFields(node, TARGET_FIELDS, field + ".", errors);
        if (format == null || !format.isTextual()) {
            errors.add(new FieldError(field + ".format", "is required: \"gguf\", \"mlx\", \"onnx\" or \"onnx-model\""));
        } else if (!Recipe.GGUF.equals(format.asText().toLowerCase(Locale.ROOT))) {
            errors.add(new FieldError(field + ".format", "'" + format.asText()
                    + "' is not supported; supported: gguf, mlx, onnx, onnx-model"));
        }
        Optional<String> ftype = typeName(node.get("ftype"), field + ".ftype", true, errors);
        Recipe recipe = options(node.get("options"), field + ".options", ftype.orElse(null), errors);
        return errors.size() == before ? Optional.of(new TargetPlan(null, recipe, QualityGates.NONE)) : Optional.empty();
    }

    /**
     * {@code {"format": "mlx", "bits": 4, "groupSize": 64}}, or with {@code "recipe": "mixed_3_6"}, {@code "mode":
     * "mxfp4"}, {@code "dtype"}, {@code "rounding"}; every value checked as mlx-lm checks it, unset ones mlx-lm's
     * defaults (affine, 4 bits, groups of 64; an fp mode's own bits and group size).
     */
    private static Optional<TargetPlan> mlxTarget(JsonNode node, String field, List<FieldError> errors) {
        int before = errors.size();
        String at = field + ".";
        rejectUnknownFields(node, MLX_TARGET_FIELDS, at, errors);
        String mode = choice(node.get("mode"), at + "mode", fpModesAndAffine(), errors);
        mode = mode == null ? MlxRecipes.AFFINE : mode;
        String recipe = choice(node.get("recipe"), at + "recipe", MlxRecipes.RECIPES, errors);
        String dtype = choice(node.get("dtype"), at + "dtype", MlxRecipes.DTYPES, errors);
        String rounding = choice(node.get("rounding"), at + "rounding", MlxRecipes.ROUNDINGS, errors);
        Integer bits = whole(node.get("bits"), at + "bits", errors);
        Integer group = whole(node.get("groupSize"), at + "groupSize", errors);
        if (MlxRecipes.AFFINE.equals(mode)) {
            if (bits != null && !MlxRecipes.AFFINE_BITS.contains(bits)) {
                errors.add(new FieldError(at + "bits", "MLX affine quantization takes 2, 3, 4, 5, 6 or 8 bits, not " + bits));
            }
            if (bits != null && recipe != null) {
                errors.add(new FieldError(at + "bits", "a mixed recipe (" + recipe + ") sets the bits of each layer itself;"
                        + " give bits or recipe, not both"));
            }
            if (group != null && !MlxRecipes.AFFINE_GROUPS.contains(group)) {
                errors.add(new FieldError(at + "groupSize", "MLX affine quantization takes groups of 32, 64 or 128, not "
                        + group));
            }
        } else if (MlxRecipes.FP_MODES.containsKey(mode)) {
            List<Integer> fixed = MlxRecipes.FP_MODES.get(mode);
            if (bits != null && bits.intValue() != fixed.get(0)) {
                errors.add(new FieldError(at + "bits", "MLX " + mode + " quantization is " + fixed.get(0) + " bits, not " + bits));
            }
            if (group != null && group.intValue() != fixed.get(1)) {
                errors.add(new FieldError(at + "groupSize", "MLX " + mode + " quantization is in groups of " + fixed.get(1)
                        + ", not " + group));
            }
            if (recipe != null) {
                errors.add(new FieldError(at + "recipe", "MLX's mixed recipes are affine; " + recipe + " cannot use mode "
                        + mode));
            }
        }
        if (errors.size() != before) {
            return Optional.empty();
        }
        int groupSize = group != null ? group
                : MlxRecipes.AFFINE.equals(mode) ? MlxRecipes.DEFAULT_GROUP : MlxRecipes.FP_MODES.get(mode).get(1);
        Recipe built = MlxRecipes.recipe(mode, bits == null ? MlxRecipes.DEFAULT_BITS : bits, groupSize, recipe, dtype,
                rounding);
        return Optional.of(new TargetPlan(null, built, QualityGates.NONE));
    }

    /**
     * {@code {"format": "onnx", "precision": "int4", "blockSize": 32}}, with {@code symmetric}, {@code accuracyLevel},
     * {@code lmHead} and {@code activations}; every value checked as the engine's exporter checks it
     * ({@link OnnxRecipes}), unset ones its defaults (int4: blocks of 32, asymmetric, accuracy level 0; lm_head
     * quantized; float32 activations).
     */
    private static Optional<TargetPlan> onnxTarget(JsonNode node, String field, List<FieldError> errors) {
        int before = errors.size();
        String at = field + ".";
        rejectUnknownFields(node, ONNX_TARGET_FIELDS, at, errors);
        JsonNode precisionNode = node.get("precision");
        String precision = null;
        if (precisionNode == null || precisionNode.isNull()) {
            errors.add(new FieldError(at + "precision", "is required: one of " + new TreeSet<>(OnnxRecipes.PRECISIONS)));
        } else {
            precision = choice(precisionNode, at + "precision", OnnxRecipes.PRECISIONS, errors);
        }
        Integer blockSize = whole(node.get("blockSize"), at + "blockSize", errors);
        Integer accuracyLevel = whole(node.get("accuracyLevel"), at + "accuracyLevel", errors);
        Boolean symmetric = null;
        JsonNode symmetricNode = node.get("symmetric");
        if (symmetricNode != null && !symmetricNode.isNull()) {
            if (symmetricNode.isBoolean()) {
                symmetric = symmetricNode.asBoolean();
            } else {
                errors.add(new FieldError(at + "symmetric", "must be true or false, not " + symmetricNode));
            }
        }
        String lmHead = choice(node.get("lmHead"), at + "lmHead", OnnxRecipes.LM_HEADS, errors);
        String activations = choice(node.get("activations"), at + "activations", OnnxRecipes.ACTIVATIONS, errors);
        if (blockSize != null && !OnnxRecipes.BLOCK_SIZES.contains(blockSize)) {
            errors.add(new FieldError(at + "blockSize", "ONNX int4 blocks are 16, 32, 64, 128 or 256 elements, not "
                    + blockSize));
        }
        if (accuracyLevel != null && (accuracyLevel < OnnxRecipes.MIN_ACCURACY_LEVEL
                || accuracyLevel > OnnxRecipes.MAX_ACCURACY_LEVEL)) {
            errors.add(new FieldError(at + "accuracyLevel", "MatMulNBits' accuracy_level is 0 to 4 (0 unset, 1 fp32,"
                    + " 2 fp16, 3 bf16, 4 int8), not " + accuracyLevel));
        }
        if (precision != null && !OnnxRecipes.INT4.equals(precision)) {
            Map<String, Object> int4Only = new LinkedHashMap<>();
            int4Only.put("blockSize", blockSize);
            int4Only.put("symmetric", symmetric);
            int4Only.put("accuracyLevel", accuracyLevel);
            for (Map.Entry<String, Object> e : int4Only.entrySet()) {
                if (e.getValue() != null) {
                    errors.add(new FieldError(at + e.getKey(), "applies to int4 only, not to precision " + precision));
                }
            }
        }
        if (precision != null && activations != null && !activations.equals(OnnxRecipes.DEFAULT_ACTIVATIONS)
                && !OnnxRecipes.QUANTIZED.contains(precision)) {
            errors.add(new FieldError(at + "activations", "fp16 activations apply to int8 and int4 only, not to precision "
                    + precision + " (fp32 and fp16 fix theirs)"));
        }
        if (errors.size() != before) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TargetPlan(null, OnnxRecipes.recipe(precision, blockSize, symmetric, accuracyLevel, lmHead,
                    activations),
                    QualityGates.NONE));
        } catch (InvalidInputException e) {
            // the checks above are OnnxRecipes' own; kept as a backstop
            errors.add(new FieldError(field, e.getMessage()));
            return Optional.empty();
        }
    }

    /**
     * {@code {"format": "onnx-model", "method": "int8-static", "perChannel": true, "reduceRange": false,
     * "calibration": "percentile"}}: an ONNX model source quantized as ONNX Runtime's quantizer does, the settings of
     * the onnx-model profiles given directly ({@link OnnxModelRecipes}: method int8-dynamic or int8-static, the two
     * booleans default false, calibration minmax by default and for int8-static only).
     */
    private static Optional<TargetPlan> onnxModelTarget(JsonNode node, String field, List<FieldError> errors) {
        int before = errors.size();
        String at = field + ".";
        rejectUnknownFields(node, ONNX_MODEL_TARGET_FIELDS, at, errors);
        JsonNode methodNode = node.get("method");
        String method = null;
        if (methodNode == null || methodNode.isNull()) {
            errors.add(new FieldError(at + "method", "is required: one of " + new TreeSet<>(OnnxModelRecipes.METHODS)));
        } else {
            method = choice(methodNode, at + "method", OnnxModelRecipes.METHODS, errors);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String flag : List.of("perChannel", "reduceRange")) {
            JsonNode value = node.get(flag);
            if (value == null || value.isNull()) {
                continue;
            }
            if (value.isBoolean()) {
                settings.put(flag, Boolean.toString(value.asBoolean()));
            } else {
                errors.add(new FieldError(at + flag, "must be true or false, not " + value));
            }
        }
        String calibration = choice(node.get("calibration"), at + "calibration", OnnxModelRecipes.CALIBRATIONS, errors);
        if (calibration != null) {
            if (method != null && !OnnxModelRecipes.STATIC.equals(method)) {
                errors.add(new FieldError(at + "calibration", "applies to int8-static only, not to method " + method));
            }
            settings.put("calibration", calibration);
        }
        if (errors.size() != before) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TargetPlan(null, OnnxModelRecipes.canonical(method, settings), QualityGates.NONE));
        } catch (InvalidInputException e) {
            // the checks above are OnnxModelRecipes' own; kept as a backstop
            errors.add(new FieldError(field, e.getMessage()));
            return Optional.empty();
        }
    }

    private static Set<String> fpModesAndAffine() {
        Set<String> modes = new TreeSet<>(MlxRecipes.FP_MODES.keySet());
        modes.add(MlxRecipes.AFFINE);
        return modes;
    }

    /** One of {@code known} (any case), or null when absent; anything else is named. */
    private static String choice(JsonNode node, String field, Set<String> known, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        String value = node.isTextual() ? node.asText().strip().toLowerCase(Locale.ROOT) : null;
        if (value == null || !known.contains(value)) {
            errors.add(new FieldError(field, "must be one of " + new TreeSet<>(known) + ", not " + node));
            return null;
        }
        return value;
    }

    /** A whole number, or null when absent. */
    private static Integer whole(JsonNode node, String field, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            errors.add(new FieldError(field, "must be a whole number, not " + node));
            return null;
        }
        return node.intValue();
    }

    private static Recipe options(JsonNode node, String field, String ftype, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return ftype == null ? null : Recipe.gguf(ftype);
        }
        if (!node.isObject()) {
            errors.add(new FieldError(field, "must be an object"));
            return null;
        }
        rejectUnknownFields(node, OPTION_FIELDS, field + ".", errors);
        boolean pure = flag(node.get("pure"), field + ".pure", errors);
        boolean leaveOutput = flag(node.get("leaveOutputTensor"), field + ".leaveOutputTensor", errors);
        String output = typeName(node.get("outputTensorType"), field + ".outputTensorType", false, errors)
                .orElse(null);
        String embedding = typeName(node.get("tokenEmbeddingType"), field + ".tokenEmbeddingType", false, errors)
                .orElse(null);
        List<String> tensorTypes = tensorTypes(node.get("tensorTypes"), field + ".tensorTypes", errors);
        return ftype == null ? null
                : new Recipe(Recipe.GGUF, ftype, pure, output, embedding, leaveOutput, tensorTypes);
    }

    /** A file type when {@code fileType}, else a tensor type; absent tensor types are simply not set. */
    private static Optional<String> typeName(JsonNode node, String field, boolean fileType, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            if (fileType) {
                errors.add(new FieldError(field, "is required, e.g. \"Q4_K_M\""));
            }
            return Optional.empty();
        }
        Optional<String> name = !node.isTextual() ? Optional.empty()
                : fileType ? QuantizationNames.fileType(node.asText()) : QuantizationNames.tensorType(node.asText());
        if (name.isEmpty()) {
            errors.add(new FieldError(field, "unknown " + (fileType ? "file type " : "tensor type ") + node
                    + "; expected one of " + new TreeSet<>(fileType ? QuantizationNames.FILE_TYPES
                    : QuantizationNames.TENSOR_TYPES)));
        }
        return name;
    }

    private static boolean flag(JsonNode node, String field, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            errors.add(new FieldError(field, "must be true or false"));
            return false;
        }
        return node.asBoolean();
    }

    /** llama-quantize's {@code --tensor-type PATTERN=TYPE}: a regular expression on tensor names and a type. */
    private static List<String> tensorTypes(JsonNode node, String field, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            errors.add(new FieldError(field, "must be a list of \"pattern=TYPE\" strings"));
            return List.of();
        }
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String at = field + "[" + i + "]";
            JsonNode rule = node.get(i);
            int equals = rule.isTextual() ? rule.asText().lastIndexOf('=') : -1;
            if (equals <= 0) {
                errors.add(new FieldError(at, "must be \"pattern=TYPE\", e.g. \"attn_v=Q8_0\""));
                continue;
            }
            String pattern = rule.asText().substring(0, equals);
            if (pattern.length() > MAX_TENSOR_PATTERN) {
                errors.add(new FieldError(at, "a pattern is at most " + MAX_TENSOR_PATTERN + " characters"));
                continue;
            }
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                errors.add(new FieldError(at, "'" + pattern + "' is not a valid regular expression"));
                continue;
            }
            Optional<String> type = QuantizationNames.tensorType(rule.asText().substring(equals + 1));
            if (type.isEmpty()) {
                errors.add(new FieldError(at, "unknown tensor type '" + rule.asText().substring(equals + 1) + "'"));
                continue;
            }
            rules.add(pattern + "=" + type.get());
        }
        return rules;
    }

    private static Map<String, String> labels(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            errors.add(new FieldError("labels", "must be an object of string values"));
            return Map.of();
        }
        if (node.size() > MAX_LABELS) {
            errors.add(new FieldError("labels", "has " + node.size() + " entries; at most " + MAX_LABELS
                    + " are allowed"));
            return Map.of();
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String field = "labels." + entry.getKey();
            if (!LABEL_KEY.matcher(entry.getKey()).matches()) {
                errors.add(new FieldError(field, "a label key is 1 to 63 letters, digits, '.', '_', '/' or '-'"
                        + " and starts with a letter or digit"));
            } else if (!entry.getValue().isTextual()) {
                errors.add(new FieldError(field, "must be a string"));
            } else if (entry.getValue().asText().length() > MAX_LABEL_VALUE) {
                errors.add(new FieldError(field, "is longer than " + MAX_LABEL_VALUE + " characters"));
            } else {
                labels.put(entry.getKey(), entry.getValue().asText());
            }
        }
        return labels;
    }

    private static Optional<String> name(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual() || node.asText().isBlank() || node.asText().length() > MAX_NAME) {
            errors.add(new FieldError("name", "must be a non-blank string of at most " + MAX_NAME + " characters"));
            return Optional.empty();
        }
        return Optional.of(node.asText().strip());
    }

    private static void rejectUnknownFields(JsonNode node, Set<String> known, String prefix, List<FieldError> errors) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                errors.add(new FieldError(prefix + name, "is not a known field; known: " + new TreeSet<>(known)));
            }
        }
    }

    /**
     * The last segment of the source, without a .gguf or .onnx extension (an ONNX {@code model.onnx}: its folder's
     * name), made safe as one S3 key segment.
     */
    static String modelName(S3Uri source, SourceFormat format) {
        String last = source.lastName();
        if (format == SourceFormat.GGUF && last.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            last = last.substring(0, last.length() - ".gguf".length());
        }
        if (format == SourceFormat.ONNX && last.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            last = last.substring(0, last.length() - ".onnx".length());
            // exports name the file model.onnx; the folder it sits in names the model
            String[] segments = source.key().split("/");
            if (last.equals("model") && segments.length > 1) {
                last = segments[segments.length - 2];
            }
        }
        return ResultLayout.safeName(last);
    }
}

#!/usr/bin/env python3
"""Writes the seed corpora of the engine's fuzz tests (docs/fuzzing.md) from stories260K and small fixtures.

Run from the repository root with stories260K at models/stories260K-hf:
    python3 engine/src/test/fuzz/make-seeds.py
Each corpus is a directory <Test>Inputs/<method>/ next to the test's package in src/test/resources; Jazzer
runs every file there in the default test run. Two targets read two files from one input, framed as a
2-byte little-endian length, the first file, then the second (see FuzzInputs.java).
"""
import json
import os
import shutil
import struct
import sys

ROOT = os.getcwd()
MODEL = os.path.join(ROOT, 'models', 'stories260K-hf')
RES = os.path.join(ROOT, 'engine', 'src', 'test', 'resources', 'dev', 'quantforge', 'engine')


def corpus(package, test, method):
    d = os.path.join(RES, package, test + 'Inputs', method)
    os.makedirs(d, exist_ok=True)
    return d


def write(d, name, data):
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def framed(first, second):
    return struct.pack('<H', len(first)) + first + second


# --- safetensors -------------------------------------------------------------------------------------
def stories_tensors(names):
    raw = open(os.path.join(MODEL, 'model.safetensors'), 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = []
    for name in names:
        info = header[name]
        b, e = info['data_offsets']
        out.append((name, info['dtype'], info['shape'], raw[8 + n + b:8 + n + e]))
    return out


def safetensors(tensors, metadata=None):
    header = {}
    if metadata is not None:
        header['__metadata__'] = metadata
    data = b''
    for name, dtype, shape, payload in tensors:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    return struct.pack('<Q', len(text)) + text + data


norms = stories_tensors(['model.layers.0.input_layernorm.weight', 'model.norm.weight'])
bf16 = ('model.extra.bf16', 'BF16', [2, 4], bytes(range(16)))
write(corpus('safetensors', 'SafetensorsFileFuzzTest', 'openAndRead'), 'stories260K-norms.safetensors',
      safetensors(norms + [bf16], {'format': 'pt'}))
index = json.dumps({'metadata': {'total_size': 512},
                    'weight_map': {norms[0][0]: 'shard.safetensors', norms[1][0]: 'shard.safetensors'}}).encode()
write(corpus('safetensors', 'SafetensorsCheckpointFuzzTest', 'openSharded'), 'stories260K-index-and-shard',
      framed(index, safetensors(norms)))

# --- MLX: config.json + one 4-bit affine module ----------------------------------------------------------
mlx_config = json.dumps({'model_type': 'llama', 'torch_dtype': 'float16',
                         'quantization': {'group_size': 32, 'bits': 4, 'mode': 'affine'}}).encode()
half_one = struct.pack('<e', 1.0)
mlx = safetensors([
    ('model.layers.0.mlp.up_proj.weight', 'U32', [2, 4], bytes(range(32))),
    ('model.layers.0.mlp.up_proj.scales', 'F16', [2, 1], half_one * 2),
    ('model.layers.0.mlp.up_proj.biases', 'F16', [2, 1], struct.pack('<e', -0.5) * 2),
    ('model.norm.weight', 'F16', [32], half_one * 32),
])
write(corpus('mlx', 'DequantizedMlxFuzzTest', 'open'), 'affine-4bit', framed(mlx_config, mlx))
mlx_mx = json.dumps({'quantization': {'group_size': 32, 'bits': 4, 'mode': 'mxfp4'}}).encode()
write(corpus('mlx', 'DequantizedMlxFuzzTest', 'open'), 'mxfp4', framed(mlx_mx, safetensors([
    ('lm_head.weight', 'U32', [1, 4], bytes(16)), ('lm_head.scales', 'U8', [1, 1], b'\x7f')])))


# --- GGUF ---------------------------------------------------------------------------------------------
def gstr(s):
    b = s.encode()
    return struct.pack('<Q', len(b)) + b


def kv(key, type_id, payload):
    return gstr(key) + struct.pack('<I', type_id) + payload


def gguf(kvs, tensors, alignment=32):
    out = b'GGUF' + struct.pack('<IQQ', 3, len(tensors), len(kvs)) + b''.join(kvs)
    data = b''
    infos = b''
    for name, dims, type_id, payload in tensors:
        data += b'\0' * (-len(data) % alignment)
        infos += gstr(name) + struct.pack('<I', len(dims)) + b''.join(struct.pack('<Q', d) for d in dims)
        infos += struct.pack('<IQ', type_id, len(data))
        data += payload
    out += infos
    out += b'\0' * (-len(out) % alignment)
    return out + data


F32, F16, Q8_0 = 0, 1, 8
q8_block = struct.pack('<e', 0.01) + bytes((i * 7) & 0xFF for i in range(32))
model = gguf([
    kv('general.architecture', 8, gstr('llama')),
    kv('general.name', 8, gstr('stories260K')),
    kv('general.alignment', 4, struct.pack('<I', 32)),
    kv('llama.context_length', 4, struct.pack('<I', 512)),
    kv('llama.rope.freq_base', 6, struct.pack('<f', 10000.0)),
    kv('tokenizer.ggml.add_bos_token', 7, b'\x01'),
    kv('tokenizer.ggml.tokens', 9, struct.pack('<IQ', 8, 3) + gstr('<unk>') + gstr('<s>') + gstr('</s>')),
    kv('tokenizer.ggml.scores', 9, struct.pack('<IQ', 6, 3) + struct.pack('<3f', 0, 0, -1)),
    kv('quantforge.nested', 9, struct.pack('<IQ', 9, 1) + struct.pack('<IQ', 5, 2) + struct.pack('<2i', 1, -1)),
    kv('general.file_type', 11, struct.pack('<q', 7)),
], [
    (norms[0][0].replace('model.layers.0.input_layernorm', 'blk.0.attn_norm'), [64], F32, norms[0][3]),
    ('output_norm.weight', [64], F32, norms[1][3]),
    ('blk.0.ffn_up.weight', [32, 2], Q8_0, q8_block * 2),
    ('token_embd.weight', [8], F16, struct.pack('<8e', *[i / 8 for i in range(8)])),
])
write(corpus('gguf', 'GgufFileFuzzTest', 'openAndRead'), 'stories260K-excerpt.gguf', model)

imatrix = gguf([
    kv('general.type', 8, gstr('imatrix')),
    kv('imatrix.datasets', 9, struct.pack('<IQ', 8, 1) + gstr('calib.txt')),
    kv('imatrix.chunk_count', 4, struct.pack('<I', 4)),
], [
    ('blk.0.ffn_up.weight.in_sum2', [32, 1], F32, struct.pack('<32f', *[i + 1.0 for i in range(32)])),
    ('blk.0.ffn_up.weight.counts', [1, 1], F32, struct.pack('<f', 4.0)),
    ('output.weight.in_sum2', [8], F32, struct.pack('<8f', *[0.5] * 8)),
    ('output.weight.counts', [1], F32, struct.pack('<f', 2.0)),
])
write(corpus('imatrix', 'ImportanceMatrixFuzzTest', 'read'), 'two-entries.imatrix.gguf', imatrix)

# --- tokenizers and config ----------------------------------------------------------------------------
shutil.copy(os.path.join(MODEL, 'tokenizer.model'),
            os.path.join(corpus('tokenizer', 'SentencePieceModelFuzzTest', 'parse'), 'stories260K-tokenizer.model'))
bpe = {
    'version': '1.0',
    'added_tokens': [{'id': 9, 'content': '<|endoftext|>', 'special': True, 'normalized': False}],
    'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [{'type': 'Split', 'pattern': {'Regex':
        "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
        'behavior': 'Isolated'}, {'type': 'ByteLevel', 'add_prefix_space': False, 'use_regex': False}]},
    'post_processor': {'type': 'ByteLevel'},
    'decoder': {'type': 'ByteLevel'},
    'model': {'type': 'BPE', 'byte_fallback': False,
              'vocab': {'a': 0, 'b': 1, 'c': 2, 'ab': 3, 'abc': 4, '\u0120': 5, '\u0120a': 6, 'd': 7, 'cd': 8},
              'merges': ['a b', ['ab', 'c'], '\u0120 a', ['c', 'd']]},
}
write(corpus('tokenizer', 'TokenizerJsonFuzzTest', 'read'), 'byte-level-bpe.json', json.dumps(bpe, indent=1).encode())
shutil.copy(os.path.join(MODEL, 'config.json'), os.path.join(corpus('hf', 'HfConfigFuzzTest', 'read'), 'stories260K-config.json'))
qwen2 = {'architectures': ['Qwen2ForCausalLM'], 'hidden_size': 64, 'intermediate_size': 128, 'num_attention_heads': 4,
         'num_key_value_heads': 2, 'num_hidden_layers': 2, 'vocab_size': 10, 'max_position_embeddings': 256,
         'rms_norm_eps': 1e-6, 'rope_theta': 1000000.0, 'tie_word_embeddings': True, 'torch_dtype': 'bfloat16',
         'rope_scaling': {'type': 'linear', 'factor': 2.0}, 'bos_token_id': 9, 'eos_token_id': 9}
write(corpus('hf', 'HfConfigFuzzTest', 'read'), 'qwen2-rope-scaling.json', json.dumps(qwen2, indent=1).encode())

# --- ONNX: the graph file quantforge's exporter writes for stories260K, if one is at hand --------------------
if len(sys.argv) > 1:
    shutil.copy(sys.argv[1], os.path.join(corpus('onnx', 'OnnxModelInfoFuzzTest', 'read'), 'stories260K-int8.onnx'))

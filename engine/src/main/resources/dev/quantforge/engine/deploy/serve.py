"""A small HTTP server for an ONNX Runtime GenAI decoder directory (written by quantforge).

GET /health answers 200 once the model is loaded. POST /generate with {"prompt": "...", "max_tokens": 64}
answers {"text": "..."}. One request at a time. Untested against onnxruntime-genai on the machines that wrote it.
"""
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import onnxruntime_genai as og

MODEL_DIR = os.environ.get("QF_MODEL_DIR", "/models/model")
CONTEXT = int(os.environ.get("QF_CONTEXT", "2048"))
PORT = int(os.environ.get("QF_PORT", "8080"))

model = og.Model(MODEL_DIR)
tokenizer = og.Tokenizer(model)
lock = threading.Lock()


def generate(prompt, max_tokens):
    tokens = tokenizer.encode(prompt)
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=min(CONTEXT, len(tokens) + max_tokens))
    generator = og.Generator(model, params)
    generator.append_tokens(tokens)
    out = []
    while not generator.is_done():
        generator.generate_next_token()
        out.append(generator.get_next_tokens()[0])
    return tokenizer.decode(out)


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            self._send(200, {"status": "ok"})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/generate":
            self._send(404, {"error": "not found"})
            return
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            with lock:
                text = generate(str(request.get("prompt", "")), int(request.get("max_tokens", 64)))
            self._send(200, {"text": text})
        except Exception as e:  # one line back to the client, not a stack trace
            self._send(400, {"error": str(e)})


ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()

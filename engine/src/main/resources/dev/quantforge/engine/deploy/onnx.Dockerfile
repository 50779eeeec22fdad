# {{model}} {{variant}} (ONNX Runtime decoder directory) served by a small onnxruntime-genai HTTP server
# (written by quantforge {{engineVersion}}).
# Build from the variant's directory, where {{modelFile}}/ is:  docker build -f deploy/Dockerfile -t {{image}} .
# Untested here: no Docker engine, and onnxruntime-genai has not loaded quantforge's genai_config.json on these machines.
FROM python:3.12-slim
RUN pip install --no-cache-dir "onnxruntime-genai>=0.5"
COPY {{modelFile}} /models/{{modelFile}}
COPY deploy/serve.py /app/serve.py
ENV QF_MODEL_DIR=/models/{{modelFile}} \
    QF_CONTEXT={{context}} \
    QF_THREADS={{threads}} \
    QF_PORT={{port}}
EXPOSE {{port}}
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:{{port}}/health')"]
CMD ["python", "/app/serve.py"]

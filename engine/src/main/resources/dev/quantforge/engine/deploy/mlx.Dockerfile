# {{model}} {{variant}} (MLX directory) served by mlx-lm's OpenAI-compatible server (written by quantforge {{engineVersion}}).
# MLX is made for Apple Silicon: on a Mac run it natively instead,
#   pip install mlx-lm && mlx_lm.server --model {{modelFile}} --host 0.0.0.0 --port {{port}}
# This image runs MLX's CPU backend on Linux (mlx[cpu]), which is slow.
# Build from the variant's directory, where {{modelFile}}/ is:  docker build -f deploy/Dockerfile -t {{image}} .
# Untested here: no Docker engine and no MLX on the machines that generate this file.
FROM python:3.12-slim
RUN pip install --no-cache-dir "mlx[cpu]" mlx-lm
COPY {{modelFile}} /models/{{modelFile}}
EXPOSE {{port}}
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:{{port}}/v1/models')"]
CMD ["mlx_lm.server", "--model", "/models/{{modelFile}}", "--host", "0.0.0.0", "--port", "{{port}}"]

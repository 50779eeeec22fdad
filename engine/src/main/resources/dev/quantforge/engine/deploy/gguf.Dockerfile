# {{model}} {{variant}} served by llama.cpp's server (written by quantforge {{engineVersion}}).
# Build from the variant's directory, where {{modelFile}} is:  docker build -f deploy/Dockerfile -t {{image}} .
# Untested here: no Docker engine on the machines that generate this file.
FROM ghcr.io/ggml-org/llama.cpp:server
COPY {{modelFile}} /models/{{modelFile}}
# llama-server reads its flags from LLAMA_ARG_* variables; any can be overridden at `docker run -e`.
ENV LLAMA_ARG_MODEL=/models/{{modelFile}} \
    LLAMA_ARG_CTX_SIZE={{context}} \
    LLAMA_ARG_THREADS={{threads}} \
    LLAMA_ARG_HOST=0.0.0.0 \
    LLAMA_ARG_PORT={{port}}
EXPOSE {{port}}
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s CMD ["curl", "-fsS", "http://localhost:{{port}}/health"]

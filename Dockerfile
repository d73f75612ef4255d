# The Ketenpoort image: the gateway and the `ketenpoort` command line.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY adapters ./adapters
RUN pip install --no-cache-dir . && useradd --system --uid 10001 ketenpoort
USER ketenpoort
CMD ["ketenpoort", "gateway", "run"]

# The Ketenpoort image: the gateway and the `ketenpoort` command line.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY adapters ./adapters
COPY oncall ./oncall
COPY tools ./tools
# The mount points of docker-compose.yml's volumes, owned by whoever writes them (a new volume takes
# over its mount point's owner): `certs` runs as the apache/kafka image's user, uid 1000, so each
# broker can read its own key; `provision` keeps the Kafka credentials file as ketenpoort, and the
# first gateway the audit signing key (shared by every gateway instance).
RUN pip install --no-cache-dir . && useradd --system --uid 10001 ketenpoort \
    && install -d -o 1000 -g 1000 -m 0755 /etc/ketenpoort/certs \
    && install -d -o 1000 -g 1000 -m 0700 /var/lib/ketenpoort/ca \
    && install -d -o ketenpoort -m 0700 /var/lib/ketenpoort/credentials \
    && install -d -o ketenpoort -m 0700 /var/lib/ketenpoort/audit-key
USER ketenpoort
CMD ["ketenpoort", "gateway", "run"]

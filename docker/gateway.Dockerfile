# syntax=docker/dockerfile:1
#
# MSSanté gateway image (executable `mssgw`, project gateway/MssGateway.Host).
#
#   docker build -f docker/gateway.Dockerfile -t mssgw:dev .        (from the repository root)
#
# Runtime: the chiseled ASP.NET image, `-extra` variant (ICU and tzdata: mail addresses may be
# internationalised and string.Normalize is a no-op in invariant mode). No shell, no package
# manager; runs as the images' non-root user `app` (UID/GID 1654). Works with a read-only root
# filesystem: the only writable paths are the spool, the cache and /tmp, mounted as volumes:
#
#   docker run --read-only --tmpfs /tmp -v spool:/var/spool/mssgw -v cache:/var/cache/mssgw \
#     -v ./appsettings.json:/app/appsettings.json:ro -v ./tls:/etc/mssgw/tls:ro ... mssgw:dev
#
# The settings file replaces the sample /app/appsettings.json whole (docker/gateway/appsettings.json
# is the compose stack's; the Helm chart renders its own).
#
# HEALTHCHECK runs `mssgw healthcheck` (exit 0 when http://127.0.0.1:9090/readyz answers 200): the
# image has no shell and no curl. Docker and compose use it; Kubernetes ignores it and probes
# /healthz and /readyz itself (helm/mssante-gateway).
# Base images are pinned to full versions; bump SDK and runtime together (same .NET patch).
#
# OCI labels: pass the version, the commit and the build date:
#   docker build -f docker/gateway.Dockerfile --build-arg VERSION=1.4.2 \
#     --build-arg REVISION=$(git rev-parse HEAD) --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) -t mssgw:1.4.2 .

FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
# Build settings first, then the sources the gateway needs (see gateway.Dockerfile.dockerignore:
# no tests, no keys, no local tools).
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY gateway/ gateway/
RUN --mount=type=cache,id=mssgw-nuget,target=/root/.nuget/packages \
    dotnet restore gateway/MssGateway.Host/MssGateway.Host.csproj
RUN --mount=type=cache,id=mssgw-nuget,target=/root/.nuget/packages \
    dotnet publish gateway/MssGateway.Host/MssGateway.Host.csproj \
      --configuration Release --no-restore --output /out \
      -p:UseAppHost=true -p:DebugType=none -p:GenerateDocumentationFile=false
# Empty writable directories, owned by `app`, to copy into the chiseled image (it has no mkdir).
# Docker initialises a named volume from them, ownership included.
RUN mkdir -p /rootfs/spool /rootfs/cache

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble-chiseled-extra AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="mssgw" \
      org.opencontainers.image.description="MSSanté secure-messaging SMTP gateway: mutual TLS with IGC-Santé certificates, directory checks, on-disk spool, delivery" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/mssante-gateway/mssante-gateway" \
      org.opencontainers.image.documentation="https://github.com/mssante-gateway/mssante-gateway/blob/main/docs/deploy.md" \
      org.opencontainers.image.licenses="NOASSERTION" \
      org.opencontainers.image.vendor="mssante-gateway" \
      org.opencontainers.image.base.name="mcr.microsoft.com/dotnet/aspnet:10.0.12-noble-chiseled-extra"
WORKDIR /app
# DOTNET_EnableDiagnostics=0: the runtime would otherwise create its diagnostics IPC socket
#   (dotnet-counters/-trace/-dump) in $TMPDIR; metrics go through /metrics instead.
# DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false: use the ICU this image ships.
# ASPNETCORE_HTTP_PORTS emptied (the base image says 8080): every endpoint comes from the
#   settings, Gateway:Listeners and Gateway:Http (9090, /metrics /healthz /readyz).
# MALLOC_ARENA_MAX=2: two glibc malloc arenas instead of 8 per core; OpenSSL's per-handshake
#   allocations otherwise spread over every arena and are not given back (docs/smtp.md "Memory
#   per connection": native memory under bench/abuse.sh 248 -> ~100 MB).
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false \
    TMPDIR=/tmp \
    ASPNETCORE_HTTP_PORTS= \
    MALLOC_ARENA_MAX=2
# Application files stay owned by root: the process cannot modify its own code.
COPY --from=build --chown=0:0 /out/ /app/
COPY --from=build --chown=1654:1654 /rootfs/spool/ /var/spool/mssgw/
COPY --from=build --chown=1654:1654 /rootfs/cache/ /var/cache/mssgw/
VOLUME ["/var/spool/mssgw", "/var/cache/mssgw"]
# Unprivileged container ports (no capability to bind below 1024): relay 2525, submission 2587,
# smtps 2465, HTTP 9090. The Kubernetes Service and the compose file map 25/587/465 to them.
EXPOSE 2525 2587 2465 9090
USER 1654:1654
# Ready = /readyz answers 200 (listeners up, spool writable, directory loaded, certificates valid);
# the start period covers a first directory sync on a small directory.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/app/mssgw", "healthcheck"]
ENTRYPOINT ["/app/mssgw"]

# syntax=docker/dockerfile:1
#
# directory-sync image (executable `mssgw-directory-sync`, project
# directory-sync/MssGateway.DirectorySync): mirrors the LDAP directory into Redis.
#
#   docker build -f docker/directory-sync.Dockerfile -t mssgw-directory-sync:dev .   (repository root)
#
# Runtime: the full (non-chiseled) Ubuntu ASP.NET image, because System.DirectoryServices.Protocols
# loads the native OpenLDAP client (libldap.so.2), which no chiseled image carries; the full image
# already has ICU. Runs as the non-root user `app` (UID/GID 1654) and works with a read-only root
# filesystem (writable: /tmp only, as a tmpfs or emptyDir). HEALTHCHECK runs
# `mssgw-directory-sync healthcheck` (exit 0 when service mode's http://127.0.0.1:9091/readyz answers
# 200, i.e. a sync succeeded and the last one did not fail); a `--once` run exits before it matters.
# Base images are pinned to full versions; bump SDK and runtime together. OCI labels: as in
# gateway.Dockerfile (--build-arg VERSION, REVISION, CREATED).

FROM mcr.microsoft.com/dotnet/sdk:10.0.401-noble AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY gateway/ gateway/
COPY directory-sync/ directory-sync/
RUN --mount=type=cache,id=mssgw-nuget,target=/root/.nuget/packages \
    dotnet restore directory-sync/MssGateway.DirectorySync/MssGateway.DirectorySync.csproj
RUN --mount=type=cache,id=mssgw-nuget,target=/root/.nuget/packages \
    dotnet publish directory-sync/MssGateway.DirectorySync/MssGateway.DirectorySync.csproj \
      --configuration Release --no-restore --output /out \
      -p:UseAppHost=true -p:DebugType=none -p:GenerateDocumentationFile=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12-noble AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="mssgw-directory-sync" \
      org.opencontainers.image.description="Mirrors the MSSanté directory (LDAP or the ANS flat-file extraction) and the liste blanche into Redis for the MSSanté gateway" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/mssante-gateway/mssante-gateway" \
      org.opencontainers.image.documentation="https://github.com/mssante-gateway/mssante-gateway/blob/main/docs/directory.md" \
      org.opencontainers.image.licenses="NOASSERTION" \
      org.opencontainers.image.vendor="mssante-gateway" \
      org.opencontainers.image.base.name="mcr.microsoft.com/dotnet/aspnet:10.0.12-noble"
# libldap2: the OpenLDAP 2.6 client library (libldap.so.2) of Ubuntu 24.04; older bases name it
# libldap-2.5-0. The build fails here if neither library ends up installed: an image without it
# would only fail at the first sync. ca-certificates for ldaps:// to public CAs.
RUN apt-get update \
 && ldap_package=$(apt-cache show libldap2 >/dev/null 2>&1 && echo libldap2 || echo libldap-2.5-0) \
 && apt-get install --yes --no-install-recommends "$ldap_package" ca-certificates \
 && ldconfig -p | grep -Eq 'libldap(-2\.[56])?\.so' \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*
WORKDIR /app
# DOTNET_EnableDiagnostics=0: no diagnostics IPC socket in $TMPDIR (read-only root filesystem).
# ASPNETCORE_HTTP_PORTS emptied: service mode serves /metrics on DirectorySync:Http (9091).
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false \
    TMPDIR=/tmp \
    ASPNETCORE_HTTP_PORTS=
COPY --from=build --chown=0:0 /out/ /app/
USER 1654:1654
# The start period covers a first sync of a large directory (500,000 entries: about a minute here).
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 CMD ["/app/mssgw-directory-sync", "healthcheck"]
ENTRYPOINT ["/app/mssgw-directory-sync"]

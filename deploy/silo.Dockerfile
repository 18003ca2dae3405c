# syntax=docker/dockerfile:1
# Perms silo image: `docker build -f deploy/silo.Dockerfile -t registry.example.com/perms/silo:0.1.0 .` from the
# repository root. NOT BUILT OR RUN HERE: the project's machines have no container engine (and reach no container
# registry), so this file is checked only by tests/k8s (its key lines) and by review. Pin the base images by digest
# (`FROM ...@sha256:...`) in your build pipeline.

# Build stage: the SDK restores and publishes the silo (framework-dependent, for the aspnet runtime image below).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the build files alone, so the restore layer is cached until a project or package changes.
# Every project the silo references, directly or not: tests/k8s checks this list against the ProjectReferences.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Directory.Build.props src/
COPY src/Grains.Interfaces/Grains.Interfaces.csproj src/Grains.Interfaces/
COPY src/Grains/Grains.csproj src/Grains/
COPY src/Grpc/Grpc.csproj src/Grpc/
COPY src/Nats/Nats.csproj src/Nats/
COPY src/Gateway/Gateway.csproj src/Gateway/
COPY src/Silo/Silo.csproj src/Silo/
RUN dotnet restore src/Silo/Silo.csproj
COPY src/ src/
RUN dotnet publish src/Silo/Silo.csproj -c Release --no-restore -o /app /p:UseAppHost=false

# Runtime stage: ASP.NET Core runtime only (no SDK, no sources).
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build --chown=0:0 /app ./
# The application files belong to root and are read-only for the process; it runs as an unprivileged user with a
# fixed numeric id (Kubernetes' runAsNonRoot can verify a number, not a name).
RUN groupadd --system --gid 10001 perms \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin perms
# Read-only root filesystem friendly: nothing is written under /app; .NET's temporary files and diagnostics socket go
# to /tmp (an emptyDir in k8s/base/deployment.yaml). No globalization data is needed beyond the image's.
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    TMPDIR=/tmp \
    Perms__Server__Port=50051
USER 10001:10001
# gRPC (h2c, or TLS with Perms:Server:CertificatePath): perms.v1.PermissionService and grpc.health.v1.Health.
EXPOSE 50051
# Orleans silo-to-silo traffic (Perms:Orleans:SiloPort): grain calls and membership probes between the silos.
EXPOSE 11111
# Prometheus metrics (GET /metrics, HTTP/1.1; Perms:Metrics:Port).
EXPOSE 9464
# The silo by default; with arguments, a command of the same binary: k8s/base/deployment.yaml's init container runs
# `cluster migrate` (Orleans' membership tables) by giving only `args`.
ENTRYPOINT ["dotnet", "Perms.Silo.dll"]

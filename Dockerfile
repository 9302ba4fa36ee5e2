# syntax=docker/dockerfile:1
# escarp in two images:
#
#   docker build -t escarp .                  # static binary, minimal non-root image
#   docker build -t escarp:code --target code .   # with the Go toolchain and cgo, for escarp code
#   docker run --rm -v "$PWD:/work" -w /work escarp ci
#
# The default image runs audit, scan, ci, inventory and the rest. escarp
# code analyses Go by loading packages through the go command and reads
# JavaScript and Python with tree-sitter (cgo), so its full power needs the
# "code" target, which keeps the Go toolchain; in the static image Go SAST
# and Go reachability report that they cannot load packages, and
# JavaScript/Python analysis is left out (the run's notes say so).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/escarp ./cmd/escarp
RUN CGO_ENABLED=1 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/escarp-cgo ./cmd/escarp

FROM golang:1.26 AS code
COPY --from=build /out/escarp-cgo /usr/local/bin/escarp
RUN useradd --create-home --uid 65532 escarp
USER escarp
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/escarp"]
CMD ["--help"]

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/escarp /usr/local/bin/escarp
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/escarp"]
CMD ["--help"]

# syntax=docker/dockerfile:1
# escarp as a static binary in a minimal, non-root image.
#
#   docker build -t escarp .
#   docker run --rm -v "$PWD:/work" -w /work escarp ci
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/escarp ./cmd/escarp

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/escarp /usr/local/bin/escarp
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/escarp"]
CMD ["--help"]

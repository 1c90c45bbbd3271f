FROM golang:1.22 AS builder
WORKDIR /src
COPY . .
RUN make

FROM debian:bookworm-slim
WORKDIR /src
COPY --from=builder /src/bin/app /src/bin/app
CMD ["/src/bin/app"]

module github.com/example/healthd

go 1.22

require golang.org/x/sync v0.7.0

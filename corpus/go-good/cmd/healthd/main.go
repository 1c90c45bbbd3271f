package main

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

func main() {
	targets := strings.Split(os.Getenv("TARGETS"), ",")
	http.HandleFunc("/check", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		results := make([]bool, len(targets))
		g, ctx := errgroup.WithContext(ctx)
		for i, t := range targets {
			i, t := i, t
			g.Go(func() error {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t, nil)
				resp, err := http.DefaultClient.Do(req)
				results[i] = err == nil && resp.StatusCode < 400
				return nil
			})
		}
		_ = g.Wait()
		_ = json.NewEncoder(w).Encode(results)
	})
	log.Fatal(http.ListenAndServe(":9090", nil))
}

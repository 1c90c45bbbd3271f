package main

import (
	"crypto/rand"
	"encoding/base64"
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/redis/go-redis/v9"
)

func main() {
	rdb := redis.NewClient(&redis.Options{Addr: getenv("REDIS_ADDR", "localhost:6379")})
	r := chi.NewRouter()

	r.Post("/", func(w http.ResponseWriter, req *http.Request) {
		target := req.FormValue("url")
		buf := make([]byte, 6)
		_, _ = rand.Read(buf)
		code := base64.RawURLEncoding.EncodeToString(buf)
		if err := rdb.Set(req.Context(), code, target, 0).Err(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(code + "\n"))
	})

	r.Get("/{code}", func(w http.ResponseWriter, req *http.Request) {
		target, err := rdb.Get(req.Context(), chi.URLParam(req, "code")).Result()
		if err != nil {
			http.NotFound(w, req)
			return
		}
		http.Redirect(w, req, target, http.StatusFound)
	})

	log.Fatal(http.ListenAndServe(":8080", r))
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
